package podtopologyspread

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

var (
	_ framework.PreFilterExtender   = &PodTopologySpread{}
	_ framework.PreFilterExtensions = &PodTopologySpread{}
)

// PreFilterExtensions returns the plugin: preemption and nominated pods
// update its counts as pods are added to or removed from a node.
func (pl *PodTopologySpread) PreFilterExtensions() framework.PreFilterExtensions { return pl }

// AddPod counts pi as placed on n.
func (pl *PodTopologySpread) AddPod(_ context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return update(state, pod, pi, n, 1)
}

// RemovePod counts pi as gone from n.
func (pl *PodTopologySpread) RemovePod(_ context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return update(state, pod, pi, n, -1)
}

func update(state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo, delta int64) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preFilterState)
	node := n.Node()
	if node == nil || pi.Pod.Namespace != pod.Namespace || !hasAllKeys(n, s.constraints) {
		return nil
	}
	for i := range s.constraints {
		c := &s.constraints[i]
		if !c.includes(pod, node) || !c.selector.Matches(labels.Set(pi.Pod.Labels)) {
			continue
		}
		v, _ := n.TopologyValue(c.key)
		if _, ok := s.counts[i][v]; ok {
			s.counts[i][v] += delta
		}
	}
	return nil
}
