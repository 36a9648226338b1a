package nodeports

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func podWithPorts(ports ...v1.ContainerPort) *v1.Pod {
	return &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Ports: ports}}}}
}

func hp(proto v1.Protocol, ip string, port int32) v1.ContainerPort {
	return v1.ContainerPort{Protocol: proto, HostIP: ip, HostPort: port, ContainerPort: 80}
}

func TestFilter(t *testing.T) {
	conflict := framework.NewStatus(framework.Unschedulable, ErrReason)
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing *v1.Pod
		want     *framework.Status
	}{
		{"nothing running", podWithPorts(hp("UDP", "127.0.0.1", 8080)), nil, nil},
		{"other port", podWithPorts(hp("UDP", "127.0.0.1", 8080)), podWithPorts(hp("UDP", "127.0.0.1", 9090)), nil},
		{"same udp port", podWithPorts(hp("UDP", "127.0.0.1", 8080)), podWithPorts(hp("UDP", "127.0.0.1", 8080)), conflict},
		{"same tcp port", podWithPorts(hp("TCP", "127.0.0.1", 8080)), podWithPorts(hp("TCP", "127.0.0.1", 8080)), conflict},
		{"different host ip", podWithPorts(hp("TCP", "127.0.0.1", 8080)), podWithPorts(hp("TCP", "127.0.0.2", 8080)), nil},
		{"different protocol", podWithPorts(hp("UDP", "127.0.0.1", 8080)), podWithPorts(hp("TCP", "127.0.0.1", 8080)), nil},
		{"second port conflicts", podWithPorts(hp("TCP", "127.0.0.1", 8000), hp("UDP", "127.0.0.1", 8080)),
			podWithPorts(hp("UDP", "127.0.0.1", 8080)), conflict},
		{"0.0.0.0 conflicts with a specific ip", podWithPorts(hp("TCP", "0.0.0.0", 8001)), podWithPorts(hp("TCP", "127.0.0.1", 8001)), conflict},
		{"specific ip conflicts with 0.0.0.0", podWithPorts(hp("TCP", "127.0.0.1", 8001)), podWithPorts(hp("TCP", "0.0.0.0", 8001)), conflict},
		{"empty ip means 0.0.0.0, empty protocol TCP", podWithPorts(hp("", "", 8001)), podWithPorts(hp("TCP", "10.0.0.1", 8001)), conflict},
		{"0.0.0.0 with another protocol", podWithPorts(hp("UDP", "0.0.0.0", 8001)), podWithPorts(hp("TCP", "127.0.0.1", 8001)), nil},
		{"container port only is no host port", podWithPorts(v1.ContainerPort{ContainerPort: 8080}), podWithPorts(v1.ContainerPort{ContainerPort: 8080}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo()
			if tt.existing != nil {
				n = framework.NewNodeInfo(tt.existing)
			}
			n.SetNode(&v1.Node{})
			if got := (&NodePorts{}).Filter(context.Background(), nil, tt.pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter() = %v; want %v", got, tt.want)
			}
		})
	}
}
