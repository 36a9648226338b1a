package interpodaffinity

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const preScoreKey = framework.StateKey("PreScore" + Name)

// scoreState is the summed term weight per topology key and value.
type scoreState struct {
	byKey map[string]map[string]int64
}

func (s *scoreState) Clone() framework.StateData { return s }

func (s *scoreState) add(node *v1.Node, key string, w int64) {
	v, ok := node.Labels[key]
	if !ok || w == 0 {
		return
	}
	m := s.byKey[key]
	if m == nil {
		m = map[string]int64{}
		s.byKey[key] = m
	}
	m[v] += w
}

// scorer matches one existing pod against both sides' scoring terms.
type scorer struct {
	pl                  *InterPodAffinity
	pod                 *v1.Pod
	nsLabels            labels.Set
	preferred, preferNo []framework.WeightedAffinityTerm
	out                 *scoreState
}

// PreScore sums, over every node of the snapshot, the weights of the
// terms each existing pod satisfies: the incoming pod's preferred
// affinity (+) and anti-affinity (-) selecting the existing pod, and the
// existing pod's required affinity (+hardPodAffinityWeight), preferred
// affinity (+) and anti-affinity (-) selecting the incoming pod. The sum
// goes to the existing pod's domain. Skips when nothing can score.
func (pl *InterPodAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	pi := framework.NewPodInfo(pod)
	if pi.ParseError != nil {
		return framework.AsStatus(pi.ParseError)
	}
	hasPreferred := len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
	if !hasPreferred && pl.args.IgnorePreferredTermsOfExistingPods {
		return framework.NewStatus(framework.Skip)
	}
	sc := &scorer{pl: pl, pod: pod, nsLabels: pl.namespaceLabels(pod.Namespace),
		preferred: resolveWeighted(pl, pi.PreferredAffinityTerms), preferNo: resolveWeighted(pl, pi.PreferredAntiAffinityTerms),
		out: &scoreState{byKey: map[string]map[string]int64{}}}
	// Unless the pod has preferred terms of its own, only nodes holding
	// pods with affinity can score, as upstream.
	nodes := pl.nodes.HavePodsWithAffinityList()
	if hasPreferred {
		nodes = pl.nodes.List()
	}
	for _, n := range nodes {
		node := n.Node()
		if node == nil || len(node.Labels) == 0 {
			continue
		}
		pods := n.PodsWithAffinity
		if hasPreferred {
			pods = n.Pods
		}
		for _, ep := range pods {
			sc.existing(ep, node)
		}
	}
	if len(sc.out.byKey) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preScoreKey, sc.out)
	return nil
}

// existing adds the weights existing pod ep on node contributes.
func (sc *scorer) existing(ep *framework.PodInfo, node *v1.Node) {
	for _, t := range sc.preferred {
		if t.Matches(ep.Pod, nil) {
			sc.out.add(node, t.TopologyKey, int64(t.Weight))
		}
	}
	for _, t := range sc.preferNo {
		if t.Matches(ep.Pod, nil) {
			sc.out.add(node, t.TopologyKey, -int64(t.Weight))
		}
	}
	if w := *sc.pl.args.HardPodAffinityWeight; w > 0 {
		for i := range ep.RequiredAffinityTerms {
			if t := &ep.RequiredAffinityTerms[i]; t.Matches(sc.pod, sc.nsLabels) {
				sc.out.add(node, t.TopologyKey, int64(w))
			}
		}
	}
	if sc.pl.args.IgnorePreferredTermsOfExistingPods {
		return
	}
	for i := range ep.PreferredAffinityTerms {
		if t := &ep.PreferredAffinityTerms[i]; t.Matches(sc.pod, sc.nsLabels) {
			sc.out.add(node, t.TopologyKey, int64(t.Weight))
		}
	}
	for i := range ep.PreferredAntiAffinityTerms {
		if t := &ep.PreferredAntiAffinityTerms[i]; t.Matches(sc.pod, sc.nsLabels) {
			sc.out.add(node, t.TopologyKey, -int64(t.Weight))
		}
	}
}

// Score sums the weights of the node's domains.
func (pl *InterPodAffinity) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(preScoreKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	var score int64
	for key, values := range d.(*scoreState).byKey {
		if v, ok := n.Node().Labels[key]; ok {
			score += values[v]
		}
	}
	return score, nil
}

// ScoreExtensions returns the plugin: it normalizes.
func (pl *InterPodAffinity) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore maps the sums linearly onto 0-100 (lowest to highest);
// all equal gives 0.
func (pl *InterPodAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range scores {
		lo, hi = min(lo, s.Score), max(hi, s.Score)
	}
	for i := range scores {
		if hi > lo {
			scores[i].Score = int64(float64(framework.MaxNodeScore) * float64(scores[i].Score-lo) / float64(hi-lo))
		} else {
			scores[i].Score = 0
		}
	}
	return nil
}
