package nodeunschedulable

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func TestFilter(t *testing.T) {
	unschedulable := framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
	tests := []struct {
		name          string
		unschedulable bool
		tolerations   []v1.Toleration
		want          *framework.Status
	}{
		{name: "schedulable node", want: nil},
		{name: "cordoned node", unschedulable: true, want: unschedulable},
		{name: "cordoned node, pod tolerates the unschedulable taint", unschedulable: true,
			tolerations: []v1.Toleration{{Key: TaintKey, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}},
		{name: "cordoned node, pod tolerates everything", unschedulable: true, tolerations: []v1.Toleration{{Operator: v1.TolerationOpExists}}},
		{name: "cordoned node, toleration for another effect", unschedulable: true,
			tolerations: []v1.Toleration{{Key: TaintKey, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute}}, want: unschedulable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo()
			n.SetNode(&v1.Node{Spec: v1.NodeSpec{Unschedulable: tt.unschedulable}})
			pod := &v1.Pod{Spec: v1.PodSpec{Tolerations: tt.tolerations}}
			if got := (&NodeUnschedulable{}).Filter(context.Background(), nil, pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter() = %v; want %v", got, tt.want)
			}
		})
	}
}
