package noderesources

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// FitName is NodeResourcesFit's name in configurations.
	FitName = "NodeResourcesFit"
	// ErrReasonTooManyPods is the reason when the node's pod count is full.
	ErrReasonTooManyPods = "Too many pods"
	preFilterKey         = framework.StateKey("PreFilter" + FitName)
)

// Fit is the NodeResourcesFit plugin.
type Fit struct{}

var (
	_ framework.PreFilterPlugin   = &Fit{}
	_ framework.FilterPlugin      = &Fit{}
	_ framework.ScorePlugin       = &Fit{}
	_ framework.EnqueueExtensions = &Fit{}
)

// NewFit returns the plugin.
func NewFit(framework.Handle) (framework.Plugin, error) { return &Fit{}, nil }

// Name returns FitName.
func (*Fit) Name() string { return FitName }

// EventsToRegister: pods leaving free resources; new or grown nodes.
func (*Fit) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{
		{Resource: framework.AssignedPod, ActionType: framework.Delete},
		{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeAllocatable},
	}
}

type preFilterState struct{ framework.Resource }

func (s *preFilterState) Clone() framework.StateData { return s }

// PreFilter computes the pod's requests once.
func (*Fit) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	state.Write(preFilterKey, &preFilterState{*framework.PodRequests(pod, false)})
	return nil
}

// Filter rejects the node with one reason per insufficient resource.
func (*Fit) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	var req *framework.Resource
	if d, err := state.Read(preFilterKey); err == nil {
		req = &d.(*preFilterState).Resource
	} else {
		req = framework.PodRequests(pod, false)
	}
	if reasons := Fits(req, n); len(reasons) > 0 {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	return nil
}

// Fits returns "Insufficient <resource>" (or "Too many pods") for each
// resource the node lacks for req, in upstream's order.
func Fits(req *framework.Resource, n *framework.NodeInfo) []string {
	var reasons []string
	if int64(len(n.Pods))+1 > n.Allocatable.AllowedPodNumber {
		reasons = append(reasons, ErrReasonTooManyPods)
	}
	check := func(name string, want, used, alloc int64) {
		if want > 0 && want > alloc-used {
			reasons = append(reasons, "Insufficient "+name)
		}
	}
	check(string(v1.ResourceCPU), req.MilliCPU, n.Requested.MilliCPU, n.Allocatable.MilliCPU)
	check(string(v1.ResourceMemory), req.Memory, n.Requested.Memory, n.Allocatable.Memory)
	check(string(v1.ResourceEphemeralStorage), req.EphemeralStorage, n.Requested.EphemeralStorage, n.Allocatable.EphemeralStorage)
	for name, want := range req.ScalarResources {
		check(string(name), want, n.Requested.ScalarResources[name], n.Allocatable.ScalarResources[name])
	}
	return reasons
}

// Score is LeastAllocated over cpu and memory with weight 1 each: the mean
// of (allocatable - requested) * 100 / allocatable, counting default
// requests for containers without any.
func (*Fit) Score(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	req := framework.PodRequests(pod, true)
	cpu := leastAllocated(n.NonZeroRequested.MilliCPU+req.MilliCPU, n.Allocatable.MilliCPU)
	mem := leastAllocated(n.NonZeroRequested.Memory+req.Memory, n.Allocatable.Memory)
	return (cpu + mem) / 2, nil
}

// ScoreExtensions is nil: scores are already 0-100.
func (*Fit) ScoreExtensions() framework.ScoreExtensions { return nil }

func leastAllocated(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * framework.MaxNodeScore / capacity
}
