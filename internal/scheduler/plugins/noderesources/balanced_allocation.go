package noderesources

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// BalancedAllocationName is NodeResourcesBalancedAllocation's name in
// configurations.
const BalancedAllocationName = "NodeResourcesBalancedAllocation"

const balancedStateKey = framework.StateKey("PreScore" + BalancedAllocationName)

// BalancedAllocation is the NodeResourcesBalancedAllocation plugin.
type BalancedAllocation struct {
	resources []ResourceSpec
}

var (
	_ framework.PreScorePlugin = &BalancedAllocation{}
	_ framework.ScorePlugin    = &BalancedAllocation{}
)

// NewBalancedAllocation returns the plugin for *BalancedAllocationArgs
// (nil means upstream's defaults).
func NewBalancedAllocation(args framework.PluginArgs, _ framework.Handle) (framework.Plugin, error) {
	a, _ := args.(*BalancedAllocationArgs)
	if a == nil {
		a = &BalancedAllocationArgs{}
		a.Default()
	}
	return &BalancedAllocation{resources: a.Resources}, nil
}

// Name returns BalancedAllocationName.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

type podRequestState struct{ req *framework.Resource }

func (s *podRequestState) Clone() framework.StateData { return s }

// PreScore computes the pod's requests; a pod requesting none of the
// resources (best effort) skips the plugin, as upstream.
func (pl *BalancedAllocation) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	req := framework.PodRequests(pod, false)
	bestEffort := true
	for _, r := range pl.resources {
		if amount(req, r.Name) != 0 {
			bestEffort = false
		}
	}
	if bestEffort {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(balancedStateKey, &podRequestState{req})
	return nil
}

// Score is BalancedScore of the requested fractions (requests as they
// are, the pod included) of the resources the node has.
func (pl *BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	var req *framework.Resource
	if d, err := state.Read(balancedStateKey); err == nil {
		req = d.(*podRequestState).req
	} else {
		req = framework.PodRequests(pod, false)
	}
	var buf [2 * inlineResources]int64
	var fracBuf [inlineResources]float64
	a := allocationOf(buf[:0], req, n, pl.resources, false)
	fractions := fracBuf[:0]
	for i := range pl.resources {
		if a.allocatable[i] == 0 {
			continue
		}
		fractions = append(fractions, min(float64(a.requested[i])/float64(a.allocatable[i]), 1))
	}
	return BalancedScore(fractions...), nil
}

// ScoreExtensions is nil: scores are already 0-100.
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }
