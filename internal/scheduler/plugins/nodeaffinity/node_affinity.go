// Package nodeaffinity owns NodeAffinity: spec.nodeSelector and required
// node affinity filter nodes; preferred node affinity terms add their
// weights to a node's score.
package nodeaffinity

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "NodeAffinity"
	// ErrReasonPod is the rejection reason.
	ErrReasonPod = "node(s) didn't match Pod's node affinity/selector"
)

// NodeAffinity is the plugin.
type NodeAffinity struct{}

var (
	_ framework.FilterPlugin      = &NodeAffinity{}
	_ framework.ScorePlugin       = &NodeAffinity{}
	_ framework.EnqueueExtensions = &NodeAffinity{}
)

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) {
	return &NodeAffinity{}, nil
}

// Name returns Name.
func (*NodeAffinity) Name() string { return Name }

// EventsToRegister: new nodes and relabelled ones.
func (*NodeAffinity) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel}}
}

// Filter rejects nodes not matching the pod's selector or required affinity.
func (*NodeAffinity) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	if !RequiredMatches(pod, n.Node()) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPod)
	}
	return nil
}

// RequiredMatches reports whether node satisfies pod's nodeSelector and
// its requiredDuringSchedulingIgnoredDuringExecution node affinity.
func RequiredMatches(pod *v1.Pod, node *v1.Node) bool {
	return framework.RequiredNodeAffinityMatches(pod, node)
}

// Score sums the weights of the preferred terms node matches.
func (*NodeAffinity) Score(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0, nil
	}
	var score int64
	for _, t := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		if t.Weight != 0 && framework.MatchNodeSelectorTerm(n.Node(), &t.Preference) {
			score += int64(t.Weight)
		}
	}
	return score, nil
}

// ScoreExtensions returns the plugin: it normalizes.
func (pl *NodeAffinity) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore scales the sums to 0-100.
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	return framework.DefaultNormalizeScore(framework.MaxNodeScore, false, scores)
}
