// Package nodeports owns NodePorts: a pod's host ports must be free on the
// node.
package nodeports

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "NodePorts"
	// ErrReason is the rejection reason.
	ErrReason = "node(s) didn't have free ports for the requested pod ports"
)

// NodePorts is the plugin.
type NodePorts struct{}

var (
	_ framework.FilterPlugin      = &NodePorts{}
	_ framework.EnqueueExtensions = &NodePorts{}
)

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) { return &NodePorts{}, nil }

// Name returns Name.
func (*NodePorts) Name() string { return Name }

// EventsToRegister: pods leaving free ports, new nodes have free ports.
func (*NodePorts) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{
		{Resource: framework.AssignedPod, ActionType: framework.Delete},
		{Resource: framework.Node, ActionType: framework.Add},
	}
}

// Filter rejects a node where a wanted host port is taken.
func (*NodePorts) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	if !Fits(pod, n) {
		return framework.NewStatus(framework.Unschedulable, ErrReason)
	}
	return nil
}

// Fits reports whether none of pod's host ports conflicts with n's used
// ports: same protocol and port, and the same IP or either one 0.0.0.0.
func Fits(pod *v1.Pod, n *framework.NodeInfo) bool {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			ip, proto := p.HostIP, p.Protocol
			if ip == "" {
				ip = "0.0.0.0"
			}
			if proto == "" {
				proto = v1.ProtocolTCP
			}
			for _, u := range n.UsedPorts {
				if u.Port == p.HostPort && u.Protocol == proto && (u.IP == ip || u.IP == "0.0.0.0" || ip == "0.0.0.0") {
					return false
				}
			}
		}
	}
	return true
}
