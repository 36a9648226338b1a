package nodelifecycle

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nodeWith(ready corev1.ConditionStatus, unschedulable bool, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		Spec: corev1.NodeSpec{Unschedulable: unschedulable, Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: ready},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse},
		}},
	}
}

func taintKeys(ts []corev1.Taint) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key+":"+string(t.Effect))
	}
	return out
}

func TestWantTaints(t *testing.T) {
	earlier := metav1.NewTime(t0.Add(-time.Minute))
	user := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	unreachableNE := corev1.Taint{Key: taintUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &earlier}
	tests := []struct {
		name   string
		node   *corev1.Node
		policy noExecutePolicy
		want   []string
	}{
		{name: "ready: nothing", node: nodeWith(corev1.ConditionTrue, false), want: nil},
		{name: "unknown: unreachable", node: nodeWith(corev1.ConditionUnknown, false),
			want: []string{taintUnreachable + ":NoSchedule", taintUnreachable + ":NoExecute"}},
		{name: "false: not-ready", node: nodeWith(corev1.ConditionFalse, false),
			want: []string{taintNotReady + ":NoSchedule", taintNotReady + ":NoExecute"}},
		{name: "recovered: managed taints go, user taints stay",
			node: nodeWith(corev1.ConditionTrue, false, user, unreachableNE, corev1.Taint{Key: taintUnreachable, Effect: corev1.TaintEffectNoSchedule}),
			want: []string{"dedicated:NoSchedule"}},
		{name: "unknown to false swaps the taints",
			node: nodeWith(corev1.ConditionFalse, false, unreachableNE),
			want: []string{taintNotReady + ":NoSchedule", taintNotReady + ":NoExecute"}},
		{name: "unschedulable", node: nodeWith(corev1.ConditionTrue, true), want: []string{taintUnschedulable + ":NoSchedule"}},
		{name: "keep policy adds no NoExecute", node: nodeWith(corev1.ConditionUnknown, false), policy: noExecuteKeep,
			want: []string{taintUnreachable + ":NoSchedule"}},
		{name: "keep policy keeps an existing one", node: nodeWith(corev1.ConditionUnknown, false, unreachableNE), policy: noExecuteKeep,
			want: []string{taintUnreachable + ":NoSchedule", taintUnreachable + ":NoExecute"}},
		{name: "clear policy removes it", node: nodeWith(corev1.ConditionUnknown, false, unreachableNE), policy: noExecuteClear,
			want: []string{taintUnreachable + ":NoSchedule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wantTaints(tt.node, metav1.NewTime(t0), tt.policy)
			if g, w := taintKeys(got), tt.want; len(g) != len(w) || (len(g) > 0 && !equalStrings(g, w)) {
				t.Errorf("wantTaints = %v; want %v", g, w)
			}
			for _, x := range got {
				if x.Effect == corev1.TaintEffectNoExecute && x.TimeAdded == nil {
					t.Errorf("NoExecute taint %s has no TimeAdded", x.Key)
				}
				if x.Key == taintUnreachable && x.Effect == corev1.TaintEffectNoExecute && len(tt.node.Spec.Taints) > 0 &&
					tt.node.Spec.Taints[0].Key == taintUnreachable && !x.TimeAdded.Equal(&earlier) {
					t.Errorf("existing NoExecute taint TimeAdded = %s; want it kept at %s", x.TimeAdded, earlier)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestZonePolicy(t *testing.T) {
	tests := []struct {
		name   string
		states map[string]zoneState
		zone   string
		size   int
		want   noExecutePolicy
	}{
		{"normal zone", map[string]zoneState{"a": zoneNormal}, "a", 3, noExecuteAdd},
		{"partial disruption in a small cluster", map[string]zoneState{"a": zonePartialDisruption}, "a", 10, noExecuteKeep},
		{"partial disruption in a large zone", map[string]zoneState{"a": zonePartialDisruption}, "a", 100, noExecuteAdd},
		{"one zone fully down, another fine", map[string]zoneState{"a": zoneFullDisruption, "b": zoneNormal}, "a", 3, noExecuteAdd},
		{"every zone fully down", map[string]zoneState{"a": zoneFullDisruption, "b": zoneFullDisruption}, "a", 3, noExecuteClear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policyFor(tt.states, tt.zone, tt.size); got != tt.want {
				t.Errorf("policyFor(%v, %s, %d) = %d; want %d", tt.states, tt.zone, tt.size, got, tt.want)
			}
		})
	}
}

func TestComputeZoneState(t *testing.T) {
	tests := []struct {
		name            string
		ready, notReady int
		want            zoneState
	}{
		{"all ready", 3, 0, zoneNormal},
		{"one of three down", 2, 1, zoneNormal},
		{"all down", 0, 2, zoneFullDisruption},
		{"two of three down is still normal (needs more than 2)", 1, 2, zoneNormal},
		{"three of five down", 2, 3, zonePartialDisruption},
		{"three of ten down", 7, 3, zoneNormal},
		{"empty", 0, 0, zoneNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := computeZoneState(tt.ready, tt.notReady); got != tt.want {
				t.Errorf("computeZoneState(%d, %d) = %d; want %d", tt.ready, tt.notReady, got, tt.want)
			}
		})
	}
}
