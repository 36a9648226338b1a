package tainttoleration

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name   string
		tols   []v1.Toleration
		taints []v1.Taint
		want   *framework.Status
	}{
		{"no taints", nil, nil, nil},
		{"untolerated NoSchedule", nil, []v1.Taint{{Key: "dedicated", Value: "user1", Effect: v1.TaintEffectNoSchedule}},
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: user1}")},
		{"tolerated by Equal", []v1.Toleration{{Key: "dedicated", Value: "user1", Effect: v1.TaintEffectNoSchedule}},
			[]v1.Taint{{Key: "dedicated", Value: "user1", Effect: v1.TaintEffectNoSchedule}}, nil},
		{"value differs", []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "user2", Effect: v1.TaintEffectNoSchedule}},
			[]v1.Taint{{Key: "dedicated", Value: "user1", Effect: v1.TaintEffectNoSchedule}},
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: user1}")},
		{"Exists tolerates any value", []v1.Toleration{{Key: "foo", Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}},
			[]v1.Taint{{Key: "foo", Value: "bar", Effect: v1.TaintEffectNoSchedule}}, nil},
		{"PreferNoSchedule does not filter", nil, []v1.Taint{{Key: "foo", Value: "bar", Effect: v1.TaintEffectPreferNoSchedule}}, nil},
		{"control-plane taint", nil, []v1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: v1.TaintEffectNoSchedule}},
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo()
			n.SetNode(&v1.Node{Spec: v1.NodeSpec{Taints: tt.taints}})
			pod := &v1.Pod{Spec: v1.PodSpec{Tolerations: tt.tols}}
			if got := (&TaintToleration{}).Filter(context.Background(), nil, pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter() = %v; want %v", got, tt.want)
			}
		})
	}
}
