// Package tainttoleration owns TaintToleration: a node's NoSchedule and
// NoExecute taints keep off pods that do not tolerate them, and nodes with
// fewer untolerated PreferNoSchedule taints score higher.
package tainttoleration

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "TaintToleration"
	// ErrReasonNotMatch is the rejection reason's prefix; the reason names
	// the taint as upstream: node(s) had untolerated taint {key: value}.
	ErrReasonNotMatch = "node(s) had untolerated taint"
)

// TaintToleration is the plugin.
type TaintToleration struct{}

var (
	_ framework.FilterPlugin      = &TaintToleration{}
	_ framework.ScorePlugin       = &TaintToleration{}
	_ framework.EnqueueExtensions = &TaintToleration{}
)

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) {
	return &TaintToleration{}, nil
}

// Name returns Name.
func (*TaintToleration) Name() string { return Name }

// EventsToRegister: new nodes and changed taints.
func (*TaintToleration) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeTaint}}
}

// Filter rejects a node with a NoSchedule or NoExecute taint the pod does
// not tolerate.
func (*TaintToleration) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	taint, found := framework.FindUntoleratedTaint(n.Taints(), pod.Spec.Tolerations, func(t *v1.Taint) bool {
		return t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute
	})
	if !found {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("%s {%s: %s}", ErrReasonNotMatch, taint.Key, taint.Value))
}

// Score counts PreferNoSchedule taints the pod does not tolerate (only
// tolerations with an empty or PreferNoSchedule effect count, as upstream).
func (*TaintToleration) Score(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	var tols []v1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == v1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	var count int64
	taints := n.Taints()
	for i := range taints {
		t := &taints[i]
		if t.Effect == v1.TaintEffectPreferNoSchedule && !framework.TolerationsTolerateTaint(tols, t) {
			count++
		}
	}
	return count, nil
}

// ScoreExtensions returns the plugin: it normalizes.
func (pl *TaintToleration) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore reverses the counts: fewer taints, higher score.
func (*TaintToleration) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	return framework.DefaultNormalizeScore(framework.MaxNodeScore, true, scores)
}
