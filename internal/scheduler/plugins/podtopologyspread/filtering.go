package podtopologyspread

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const preFilterKey = framework.StateKey("PreFilter" + Name)

// preFilterState holds, per DoNotSchedule constraint, the matching pods
// per topology value of the eligible nodes.
type preFilterState struct {
	constraints []constraint
	counts      []map[string]int64
}

func (s *preFilterState) Clone() framework.StateData {
	c := &preFilterState{constraints: s.constraints, counts: make([]map[string]int64, len(s.counts))}
	for i, m := range s.counts {
		c.counts[i] = make(map[string]int64, len(m))
		for k, v := range m {
			c.counts[i][k] = v
		}
	}
	return c
}

// minMatch is the least matching count over constraint i's domains, or 0
// when there are fewer domains than minDomains.
func (s *preFilterState) minMatch(i int) int64 {
	m := s.counts[i]
	if int32(len(m)) < s.constraints[i].minDomains {
		return 0
	}
	lo := int64(math.MaxInt64)
	for _, v := range m {
		lo = min(lo, v)
	}
	if lo == math.MaxInt64 {
		return 0
	}
	return lo
}

// PreFilter counts matching pods per domain over the nodes that carry
// every constraint's key and pass the constraint's inclusion policies;
// it skips the plugin for pods without DoNotSchedule constraints.
func (pl *PodTopologySpread) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	cs, err := pl.podConstraints(pod, v1.DoNotSchedule)
	if err != nil {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, err.Error())
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &preFilterState{constraints: cs, counts: make([]map[string]int64, len(cs))}
	for i := range s.counts {
		s.counts[i] = map[string]int64{}
	}
	ns := intern(&pl.lastNS, pod.Namespace)
	for _, n := range pl.nodes.List() {
		node := n.Node()
		if node == nil || !hasAllKeys(n, cs) {
			continue
		}
		for i := range cs {
			if !cs[i].includes(pod, node) {
				continue
			}
			v, _ := n.TopologyValue(cs[i].key)
			s.counts[i][v] += n.CountMatching(cs[i].selectorKey, cs[i].selector, ns)
		}
	}
	state.Write(preFilterKey, s)
	return nil
}

// Filter rejects a node lacking a constraint's key, or whose domain would
// exceed maxSkew with the pod placed there.
func (pl *PodTopologySpread) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preFilterState)
	for i, c := range s.constraints {
		v, ok := n.TopologyValue(c.key)
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		var self int64
		if c.selector.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		if skew := s.counts[i][v] + self - s.minMatch(i); skew > int64(c.maxSkew) {
			return framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)
		}
	}
	return nil
}
