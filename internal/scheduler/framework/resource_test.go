package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func cpu(v string) v1.ResourceRequirements {
	return v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(v)}}
}

// TestPodRequests follows upstream's resource helper cases: app
// containers sum, regular init containers count by their maximum,
// sidecars (restartable init containers) add to both and to the init
// containers after them, and the overhead is added.
func TestPodRequests(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	c := func(v string) v1.Container { return v1.Container{Resources: cpu(v)} }
	sidecar := func(v string) v1.Container { return v1.Container{Resources: cpu(v), RestartPolicy: &always} }
	tests := []struct {
		name       string
		inits, app []v1.Container
		overhead   v1.ResourceList
		want       int64
	}{
		{"app containers sum", nil, []v1.Container{c("1"), c("2")}, nil, 3000},
		{"init max below app sum", []v1.Container{c("1"), c("2")}, []v1.Container{c("1"), c("2")}, nil, 3000},
		{"init max above app sum", []v1.Container{c("4"), c("2")}, []v1.Container{c("1"), c("2")}, nil, 4000},
		{"overhead added", nil, []v1.Container{c("1")}, v1.ResourceList{v1.ResourceCPU: resource.MustParse("500m")}, 1500},
		{"overhead added to init max", []v1.Container{c("3")}, []v1.Container{c("1")}, v1.ResourceList{v1.ResourceCPU: resource.MustParse("1")}, 4000},
		{"sidecar adds to the app sum", []v1.Container{sidecar("1")}, []v1.Container{c("2")}, nil, 3000},
		{"init after a sidecar runs beside it", []v1.Container{sidecar("1"), c("3")}, []v1.Container{c("1")}, nil, 4000},
		{"init before a sidecar does not", []v1.Container{c("3"), sidecar("1")}, []v1.Container{c("1")}, nil, 3000},
		{"two sidecars then an init", []v1.Container{sidecar("1"), sidecar("2"), c("2")}, []v1.Container{c("1")}, nil, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &v1.Pod{Spec: v1.PodSpec{InitContainers: tt.inits, Containers: tt.app, Overhead: tt.overhead}}
			if got := PodRequests(pod, false).MilliCPU; got != tt.want {
				t.Errorf("PodRequests().MilliCPU = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestPodRequestsNonZero(t *testing.T) {
	pod := &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{}, {Resources: cpu("1")}}}}
	got := PodRequests(pod, true)
	if got.MilliCPU != DefaultMilliCPURequest+1000 || got.Memory != 2*DefaultMemoryRequest {
		t.Errorf("PodRequests(nonZero) = %d mCPU, %d bytes; want %d, %d", got.MilliCPU, got.Memory, DefaultMilliCPURequest+1000, 2*DefaultMemoryRequest)
	}
}
