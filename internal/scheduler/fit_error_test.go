package scheduler

import (
	"testing"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// TestFitErrorMessage: upstream's FitError.Error (pkg/scheduler/framework
// types.go): a PreFilter rejection is named once, not counted per node;
// filter rejections are a sorted histogram; preemption's part follows.
func TestFitErrorMessage(t *testing.T) {
	immediate := framework.NewStatus(framework.UnschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims")
	affinity := framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")
	cpu := framework.NewStatus(framework.Unschedulable, "Insufficient cpu")
	all := func(n int, st *framework.Status) framework.NodeToStatus {
		out := framework.NodeToStatus{}
		for i := range n {
			out[string(rune('a'+i))] = st
		}
		return out
	}
	tests := []struct {
		name string
		err  *FitError
		want string
	}{
		{"prefilter rejection named once", &FitError{NumAllNodes: 5, Statuses: all(5, immediate), PreFilterMsg: immediate.Message()},
			"0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims."},
		{"prefilter rejection and preemption", &FitError{NumAllNodes: 2, Statuses: all(2, immediate), PreFilterMsg: immediate.Message(),
			PostFilterMsg: "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."},
			"0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."},
		{"filter rejections counted", &FitError{NumAllNodes: 5, Statuses: all(5, affinity)},
			"0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector."},
		{"filter histogram sorted", &FitError{NumAllNodes: 3, Statuses: framework.NodeToStatus{"a": cpu, "b": affinity, "c": cpu}},
			"0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu."},
		{"no nodes", &FitError{}, "no nodes available to schedule pods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
}
