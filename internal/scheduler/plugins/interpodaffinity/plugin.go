// Package interpodaffinity owns InterPodAffinity, as upstream's plugin of
// the same name: a pod's required pod affinity and anti-affinity filter
// nodes by the pods already in each topology domain, existing pods'
// required anti-affinity keeps matching pods out of their domains (the
// symmetry), and preferred terms on both sides (plus existing pods'
// required affinity, at hardPodAffinityWeight) score nodes. PreFilter and
// PreScore count matches per topology pair once per cycle over the whole
// snapshot; Filter and Score only look the node's pairs up.
package interpodaffinity

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Name and the rejection reasons, as upstream.
const (
	Name = "InterPodAffinity"
	// ErrReasonExistingAntiAffinityRulesNotMatch: an existing pod's
	// required anti-affinity selects the incoming pod in the node's domain.
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	// ErrReasonAffinityRulesNotMatch: the pod's required affinity is not met.
	ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules"
	// ErrReasonAntiAffinityRulesNotMatch: the pod's required anti-affinity is not met.
	ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules"
)

// Args is upstream's InterPodAffinityArgs.
type Args struct {
	// HardPodAffinityWeight is the score weight of an existing pod's
	// required affinity term the incoming pod matches (0-100, default 1).
	HardPodAffinityWeight *int32 `json:"hardPodAffinityWeight,omitempty"`
	// IgnorePreferredTermsOfExistingPods scores by the incoming pod's
	// preferred terms only.
	IgnorePreferredTermsOfExistingPods bool `json:"ignorePreferredTermsOfExistingPods,omitempty"`
}

// NewArgs returns empty args (for the configuration decoder).
func NewArgs() framework.PluginArgs { return &Args{} }

// Default sets hardPodAffinityWeight to 1 when unset.
func (a *Args) Default() {
	if a.HardPodAffinityWeight == nil {
		w := int32(1)
		a.HardPodAffinityWeight = &w
	}
}

// Validate checks the weight's range.
func (a *Args) Validate() error {
	if w := *a.HardPodAffinityWeight; w < 0 || w > 100 {
		return fmt.Errorf("hardPodAffinityWeight: Invalid value: %d: not in valid range [0, 100]", w)
	}
	return nil
}

// InterPodAffinity is the plugin.
type InterPodAffinity struct {
	args       Args
	nodes      framework.NodeInfoLister
	namespaces corelisters.NamespaceLister
}

var (
	_ framework.PreFilterPlugin   = &InterPodAffinity{}
	_ framework.FilterPlugin      = &InterPodAffinity{}
	_ framework.PreScorePlugin    = &InterPodAffinity{}
	_ framework.ScorePlugin       = &InterPodAffinity{}
	_ framework.EnqueueExtensions = &InterPodAffinity{}
)

// New returns the plugin for *Args (nil means upstream's defaults).
func New(args framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	a, _ := args.(*Args)
	if a == nil {
		a = &Args{}
		a.Default()
	}
	return &InterPodAffinity{args: *a, nodes: h.SnapshotSharedLister(), namespaces: h.SharedInformerFactory().Core().V1().Namespaces().Lister()}, nil
}

// Name returns Name.
func (*InterPodAffinity) Name() string { return Name }

// EventsToRegister: pods placed, removed or relabelled; nodes added or
// relabelled (a new topology domain).
func (*InterPodAffinity) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{
		{Resource: framework.AssignedPod, ActionType: framework.All},
		{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel},
	}
}

// namespaceLabels returns the labels of namespace ns (empty if unknown).
func (pl *InterPodAffinity) namespaceLabels(ns string) labels.Set {
	n, err := pl.namespaces.Get(ns)
	if err != nil {
		return labels.Set{}
	}
	return labels.Set(n.Labels)
}

// resolveNamespaces returns copies of terms whose namespaceSelector is
// replaced by the names of the namespaces it selects now, so matching
// existing pods needs no namespace lookups.
func (pl *InterPodAffinity) resolveNamespaces(terms []framework.AffinityTerm) []framework.AffinityTerm {
	out := make([]framework.AffinityTerm, len(terms))
	var all []*v1.Namespace
	for i, t := range terms {
		out[i] = t
		if t.NamespaceSelector == nil {
			continue
		}
		if all == nil {
			all, _ = pl.namespaces.List(labels.Everything())
		}
		ns := map[string]bool{}
		for k := range t.Namespaces {
			ns[k] = true
		}
		for _, n := range all {
			if t.NamespaceSelector.Matches(labels.Set(n.Labels)) {
				ns[n.Name] = true
			}
		}
		out[i].Namespaces, out[i].NamespaceSelector = ns, nil
	}
	return out
}

func resolveWeighted(pl *InterPodAffinity, terms []framework.WeightedAffinityTerm) []framework.WeightedAffinityTerm {
	plain := make([]framework.AffinityTerm, len(terms))
	for i := range terms {
		plain[i] = terms[i].AffinityTerm
	}
	plain = pl.resolveNamespaces(plain)
	out := make([]framework.WeightedAffinityTerm, len(terms))
	for i := range terms {
		out[i] = framework.WeightedAffinityTerm{AffinityTerm: plain[i], Weight: terms[i].Weight}
	}
	return out
}

// topologyPair is one topology domain.
type topologyPair struct{ key, value string }

// pairCounts counts matches per topology domain.
type pairCounts map[topologyPair]int64

func (m pairCounts) add(node *v1.Node, key string, n int64) {
	if v, ok := node.Labels[key]; ok {
		m[topologyPair{key, v}] += n
	}
}

func (m pairCounts) clone() pairCounts {
	c := make(pairCounts, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
