package noderesources

import (
	"context"
	"strings"

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
type Fit struct {
	ignored       map[string]bool
	ignoredGroups map[string]bool
	resources     []ResourceSpec
	// perResource scores one resource (Least- and MostAllocated); shape
	// is RequestedToCapacityRatio's, nil otherwise.
	perResource func(requested, capacity int64) int64
	shape       *shape
}

var (
	_ framework.PreFilterPlugin   = &Fit{}
	_ framework.FilterPlugin      = &Fit{}
	_ framework.PreScorePlugin    = &Fit{}
	_ framework.ScorePlugin       = &Fit{}
	_ framework.EnqueueExtensions = &Fit{}
)

// NewFit returns the plugin for *FitArgs (nil means upstream's defaults).
func NewFit(args framework.PluginArgs, _ framework.Handle) (framework.Plugin, error) {
	a, _ := args.(*FitArgs)
	if a == nil {
		a = &FitArgs{}
		a.Default()
	}
	f := &Fit{ignored: map[string]bool{}, ignoredGroups: map[string]bool{}, resources: a.ScoringStrategy.Resources}
	for _, r := range a.IgnoredResources {
		f.ignored[r] = true
	}
	for _, g := range a.IgnoredResourceGroups {
		f.ignoredGroups[g] = true
	}
	switch a.ScoringStrategy.Type {
	case MostAllocated:
		f.perResource = mostAllocated
	case RequestedToCapacityRatio:
		f.shape = newShape(a.ScoringStrategy.RequestedToCapacityRatio.Shape)
	default:
		f.perResource = leastAllocated
	}
	return f, nil
}

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
func (f *Fit) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	var req *framework.Resource
	if d, err := state.Read(preFilterKey); err == nil {
		req = &d.(*preFilterState).Resource
	} else {
		req = framework.PodRequests(pod, false)
	}
	if len(f.ignored)+len(f.ignoredGroups) > 0 && len(req.ScalarResources) > 0 {
		req = f.withoutIgnored(req)
	}
	if reasons := Fits(req, n); len(reasons) > 0 {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	return nil
}

// withoutIgnored drops the extended resources the args ignore.
func (f *Fit) withoutIgnored(req *framework.Resource) *framework.Resource {
	c := req.Clone()
	for name := range c.ScalarResources {
		group, _, _ := strings.Cut(string(name), "/")
		if f.ignored[string(name)] || (strings.Contains(string(name), "/") && f.ignoredGroups[group]) {
			delete(c.ScalarResources, name)
		}
	}
	return c
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

const preScoreKey = framework.StateKey("PreScore" + FitName)

// PreScore computes the pod's scoring requests (defaults for containers
// naming no cpu or memory) once.
func (*Fit) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	state.Write(preScoreKey, &podRequestState{framework.PodRequests(pod, true)})
	return nil
}

// Score is the configured strategy (LeastAllocated, MostAllocated or
// RequestedToCapacityRatio) over the configured resources and weights.
func (f *Fit) Score(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	var req *framework.Resource
	if d, err := state.Read(preScoreKey); err == nil {
		req = d.(*podRequestState).req
	} else {
		req = framework.PodRequests(pod, true)
	}
	var buf [2 * inlineResources]int64
	al := allocationOf(buf[:0], req, n, f.resources, true)
	if f.shape != nil {
		return f.shape.score(al, f.resources), nil
	}
	return weighted(al, f.resources, f.perResource), nil
}

// ScoreExtensions is nil: scores are already 0-100.
func (*Fit) ScoreExtensions() framework.ScoreExtensions { return nil }
