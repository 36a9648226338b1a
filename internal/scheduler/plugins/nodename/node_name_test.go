package nodename

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name     string
		nodeName string
		want     *framework.Status
	}{
		{"no host specified", "", nil},
		{"host matches", "foo", nil},
		{"host does not match", "bar", framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReason)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo()
			n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "foo"}})
			pod := &v1.Pod{Spec: v1.PodSpec{NodeName: tt.nodeName}}
			if got := (&NodeName{}).Filter(context.Background(), nil, pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter(nodeName %q on foo) = %v; want %v", tt.nodeName, got, tt.want)
			}
		})
	}
}
