// Package nodename owns NodeName: a pod naming spec.nodeName fits only that
// node.
package nodename

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "NodeName"
	// ErrReason is the rejection reason.
	ErrReason = "node(s) didn't match the requested node name"
)

// NodeName is the plugin.
type NodeName struct{}

var (
	_ framework.FilterPlugin      = &NodeName{}
	_ framework.EnqueueExtensions = &NodeName{}
)

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) { return &NodeName{}, nil }

// Name returns Name.
func (*NodeName) Name() string { return Name }

// EventsToRegister: a node being added may be the named one.
func (*NodeName) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{{Resource: framework.Node, ActionType: framework.Add}}
}

// Filter rejects every node but the named one.
func (*NodeName) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	if !Fits(pod, n) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReason)
	}
	return nil
}

// Fits reports whether pod names no node or names n's node.
func Fits(pod *v1.Pod, n *framework.NodeInfo) bool {
	return pod.Spec.NodeName == "" || pod.Spec.NodeName == n.Name()
}
