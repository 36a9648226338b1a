package interpodaffinity

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const preFilterKey = framework.StateKey("PreFilter" + Name)

// preFilterState is what Filter looks up per node.
type preFilterState struct {
	// existingAntiAffinity counts, per domain, existing pods' required
	// anti-affinity terms that select the incoming pod.
	existingAntiAffinity pairCounts
	// affinity counts, per domain of each of the pod's required affinity
	// terms, existing pods matching all those terms.
	affinity pairCounts
	// antiAffinity counts, per domain, existing pods matching each of the
	// pod's required anti-affinity terms.
	antiAffinity pairCounts
	// affinityTerms and antiAffinityTerms are the pod's required terms,
	// namespace selectors resolved.
	affinityTerms, antiAffinityTerms []framework.AffinityTerm
	pod                              *v1.Pod
	// nsLabels are the labels of the pod's namespace.
	nsLabels labels.Set
}

func (s *preFilterState) Clone() framework.StateData {
	c := *s
	c.existingAntiAffinity = s.existingAntiAffinity.clone()
	c.affinity = s.affinity.clone()
	c.antiAffinity = s.antiAffinity.clone()
	return &c
}

// PreFilter counts, over every node of the snapshot, the matches Filter
// needs. It skips the plugin when the pod has no required terms and no
// existing pod has required anti-affinity.
func (pl *InterPodAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	pi := framework.NewPodInfo(pod)
	if pi.ParseError != nil {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, pi.ParseError.Error())
	}
	withAnti := pl.nodes.HavePodsWithRequiredAntiAffinityList()
	if len(pi.RequiredAffinityTerms) == 0 && len(pi.RequiredAntiAffinityTerms) == 0 && len(withAnti) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	// Without terms of its own, only nodes with anti-affinity pods count.
	nodes := withAnti
	if len(pi.RequiredAffinityTerms) > 0 || len(pi.RequiredAntiAffinityTerms) > 0 {
		nodes = pl.nodes.List()
	}
	s := &preFilterState{
		existingAntiAffinity: pairCounts{}, affinity: pairCounts{}, antiAffinity: pairCounts{}, pod: pod,
		affinityTerms:     pl.resolveNamespaces(pi.RequiredAffinityTerms),
		antiAffinityTerms: pl.resolveNamespaces(pi.RequiredAntiAffinityTerms),
	}
	nsLabels := pl.namespaceLabels(pod.Namespace)
	s.nsLabels = nsLabels
	for _, n := range nodes {
		node := n.Node()
		if node == nil {
			continue
		}
		for _, ep := range n.PodsWithRequiredAntiAffinity {
			for i := range ep.RequiredAntiAffinityTerms {
				if t := &ep.RequiredAntiAffinityTerms[i]; t.Matches(pod, nsLabels) {
					s.existingAntiAffinity.add(node, t.TopologyKey, 1)
				}
			}
		}
		if len(s.affinityTerms) == 0 && len(s.antiAffinityTerms) == 0 {
			continue
		}
		for _, ep := range n.Pods {
			s.countExisting(ep.Pod, node)
		}
	}
	state.Write(preFilterKey, s)
	return nil
}

// countExisting adds existing pod ep on node to the affinity counts (if
// it matches all affinity terms) and to the anti-affinity counts (per
// matching term).
func (s *preFilterState) countExisting(ep *v1.Pod, node *v1.Node) {
	if len(s.affinityTerms) > 0 && matchesAll(s.affinityTerms, ep) {
		for _, t := range s.affinityTerms {
			s.affinity.add(node, t.TopologyKey, 1)
		}
	}
	for i := range s.antiAffinityTerms {
		if t := &s.antiAffinityTerms[i]; t.Matches(ep, nil) {
			s.antiAffinity.add(node, t.TopologyKey, 1)
		}
	}
}

func matchesAll(terms []framework.AffinityTerm, pod *v1.Pod) bool {
	for i := range terms {
		if !terms[i].Matches(pod, nil) {
			return false
		}
	}
	return true
}

// Filter checks the pod's required affinity, its required anti-affinity,
// then existing pods' required anti-affinity, against the node's domains.
func (pl *InterPodAffinity) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preFilterState)
	node := n.Node()
	if !s.satisfiesAffinity(node) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	}
	for _, t := range s.antiAffinityTerms {
		if v, ok := node.Labels[t.TopologyKey]; ok && s.antiAffinity[topologyPair{t.TopologyKey, v}] > 0 {
			return framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
		}
	}
	if len(s.existingAntiAffinity) > 0 {
		for k, v := range node.Labels {
			if s.existingAntiAffinity[topologyPair{k, v}] > 0 {
				return framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
			}
		}
	}
	return nil
}

// satisfiesAffinity: the node has every term's topology key and each
// domain holds a matching pod. A pod that no pod anywhere matches may
// still go where the keys exist if it matches its own terms (the first
// of a group of pods with affinity to each other), as upstream.
func (s *preFilterState) satisfiesAffinity(node *v1.Node) bool {
	found := true
	for _, t := range s.affinityTerms {
		v, ok := node.Labels[t.TopologyKey]
		if !ok {
			return false
		}
		if s.affinity[topologyPair{t.TopologyKey, v}] <= 0 {
			found = false
		}
	}
	if found {
		return true
	}
	return len(s.affinity) == 0 && matchesAll(s.affinityTerms, s.pod)
}
