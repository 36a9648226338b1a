package podtopologyspread

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const preScoreKey = framework.StateKey("PreScore" + Name)

// preScoreState holds, per ScheduleAnyway constraint, the matching pods
// per topology value of the feasible nodes (hostname counts are taken at
// Score), and the nodes left unscored for lacking a key.
type preScoreState struct {
	// ns is the pod's namespace (intern).
	ns          string
	constraints []constraint
	ignored     map[string]bool
	counts      []map[string]int64
	// weights are log(domains + 2), so small topologies are not drowned
	// by big ones.
	weights []float64
}

// count is the number of pods on n that c counts: as upstream, the live
// pods of the namespace its selector matches, whoever owns them. The
// snapshot's nodes memoize it (a rollout asks it of the same unchanged
// nodes in every cycle).
func (s *preScoreState) count(n *framework.NodeInfo, c *constraint) int64 {
	return n.CountMatching(c.selectorKey, c.selector, s.ns)
}

func (s *preScoreState) Clone() framework.StateData { return s }

// PreScore counts matching pods in the feasible nodes' domains over every
// node of the snapshot; it skips pods without ScheduleAnyway constraints
// (their own, or the defaults).
func (pl *PodTopologySpread) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, feasible []*framework.NodeInfo) *framework.Status {
	cs, err := pl.podConstraints(pod, v1.ScheduleAnyway)
	if err != nil {
		return framework.AsStatus(err)
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	// Nodes without a zone label still spread by hostname under the
	// system defaults.
	requireAll := len(pod.Spec.TopologySpreadConstraints) > 0 || !pl.systemDefaulted
	s := &preScoreState{ns: intern(&pl.lastNS, pod.Namespace), constraints: cs, ignored: map[string]bool{}, counts: make([]map[string]int64, len(cs)), weights: make([]float64, len(cs))}
	sizes := make([]int, len(cs))
	for i := range cs {
		s.counts[i] = map[string]int64{}
	}
	for _, n := range feasible {
		if requireAll && !hasAllKeys(n, cs) {
			s.ignored[n.Name()] = true
			continue
		}
		for i, c := range cs {
			if c.key == v1.LabelHostname {
				continue
			}
			// As upstream, a node without the key is no domain of it.
			v, ok := n.TopologyValue(c.key)
			if !ok {
				continue
			}
			if _, ok := s.counts[i][v]; !ok {
				s.counts[i][v] = 0
				sizes[i]++
			}
		}
	}
	for i, c := range cs {
		size := sizes[i]
		if c.key == v1.LabelHostname {
			size = len(feasible) - len(s.ignored)
		}
		s.weights[i] = math.Log(float64(size + 2))
	}
	pl.countAll(s, pod, requireAll)
	state.Write(preScoreKey, s)
	return nil
}

// countAll adds the matching pods of every eligible node of the snapshot
// to the feasible nodes' domains. When no constraint has a domain to count
// in (hostname counts are taken at Score; nodes without a zone label make
// no zone domain), it reads no node at all.
func (pl *PodTopologySpread) countAll(s *preScoreState, pod *v1.Pod, requireAll bool) {
	domains := false
	for i := range s.counts {
		domains = domains || len(s.counts[i]) > 0
	}
	if !domains {
		return
	}
	for _, n := range pl.nodes.List() {
		node := n.Node()
		if node == nil || (requireAll && !hasAllKeys(n, s.constraints)) {
			continue
		}
		for i := range s.constraints {
			c := &s.constraints[i]
			if len(s.counts[i]) == 0 || !c.includes(pod, node) {
				continue
			}
			v, ok := n.TopologyValue(c.key)
			if !ok {
				continue
			}
			if _, ok := s.counts[i][v]; !ok {
				continue
			}
			s.counts[i][v] += s.count(n, c)
		}
	}
}

// Score is, over the constraints whose key the node has, the matching
// pods in its domain times the domain weight plus maxSkew-1.
func (pl *PodTopologySpread) Score(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(preScoreKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	s := d.(*preScoreState)
	if len(s.ignored) > 0 && s.ignored[n.Name()] {
		return 0, nil
	}
	var score float64
	for i, c := range s.constraints {
		v, ok := n.TopologyValue(c.key)
		if !ok {
			continue
		}
		cnt := s.counts[i][v]
		if c.key == v1.LabelHostname {
			cnt = s.count(n, &s.constraints[i])
		}
		score += float64(cnt)*s.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score)), nil
}

// ScoreExtensions returns the plugin: it normalizes.
func (pl *PodTopologySpread) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore reverses the scores onto 0-100 (fewest matches best);
// ignored nodes get 0.
func (pl *PodTopologySpread) NormalizeScore(_ context.Context, state *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	d, err := state.Read(preScoreKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preScoreState)
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, sc := range scores {
		if s.ignored[sc.Name] {
			continue
		}
		lo, hi = min(lo, sc.Score), max(hi, sc.Score)
	}
	for i := range scores {
		switch {
		case s.ignored[scores[i].Name]:
			scores[i].Score = 0
		case hi == 0:
			scores[i].Score = framework.MaxNodeScore
		default:
			scores[i].Score = framework.MaxNodeScore * (hi + lo - scores[i].Score) / hi
		}
	}
	return nil
}
