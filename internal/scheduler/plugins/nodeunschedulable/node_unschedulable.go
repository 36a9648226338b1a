// Package nodeunschedulable owns NodeUnschedulable: cordoned nodes
// (spec.unschedulable) take only pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint.
package nodeunschedulable

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "NodeUnschedulable"
	// ErrReasonUnschedulable is the rejection reason.
	ErrReasonUnschedulable = "node(s) were unschedulable"
	// TaintKey is the taint a cordoned node implies.
	TaintKey = "node.kubernetes.io/unschedulable"
)

// NodeUnschedulable is the plugin.
type NodeUnschedulable struct{}

var (
	_ framework.FilterPlugin      = &NodeUnschedulable{}
	_ framework.EnqueueExtensions = &NodeUnschedulable{}
)

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) {
	return &NodeUnschedulable{}, nil
}

// Name returns Name.
func (*NodeUnschedulable) Name() string { return Name }

// EventsToRegister: new nodes and uncordoned ones.
func (*NodeUnschedulable) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeTaint}}
}

// Filter rejects cordoned nodes unless the pod tolerates the cordon.
func (*NodeUnschedulable) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	if !n.Unschedulable() {
		return nil
	}
	taint := v1.Taint{Key: TaintKey, Effect: v1.TaintEffectNoSchedule}
	if framework.TolerationsTolerateTaint(pod.Spec.Tolerations, &taint) {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}
