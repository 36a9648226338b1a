package interpodaffinity

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

var (
	_ framework.PreFilterExtender   = &InterPodAffinity{}
	_ framework.PreFilterExtensions = &InterPodAffinity{}
)

// PreFilterExtensions returns the plugin: preemption and nominated pods
// update its counts as pods are added to or removed from a node.
func (pl *InterPodAffinity) PreFilterExtensions() framework.PreFilterExtensions { return pl }

// AddPod counts pi as placed on n.
func (pl *InterPodAffinity) AddPod(_ context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return update(state, pod, pi, n, 1)
}

// RemovePod counts pi as gone from n.
func (pl *InterPodAffinity) RemovePod(_ context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return update(state, pod, pi, n, -1)
}

func update(state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo, delta int64) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preFilterState)
	node := n.Node()
	if node == nil {
		return nil
	}
	for i := range pi.RequiredAntiAffinityTerms {
		if t := &pi.RequiredAntiAffinityTerms[i]; t.Matches(pod, s.nsLabels) {
			s.existingAntiAffinity.add(node, t.TopologyKey, delta)
		}
	}
	if len(s.affinityTerms) > 0 && matchesAll(s.affinityTerms, pi.Pod) {
		for _, t := range s.affinityTerms {
			s.affinity.add(node, t.TopologyKey, delta)
		}
	}
	for i := range s.antiAffinityTerms {
		if t := &s.antiAffinityTerms[i]; t.Matches(pi.Pod, nil) {
			s.antiAffinity.add(node, t.TopologyKey, delta)
		}
	}
	return nil
}
