// Package defaultpreemption owns DefaultPreemption, the PostFilter that
// runs when no node fits. This round it explains, node by node and in
// upstream's words, why preempting would not help; evicting victims and
// nominating a node are not implemented yet (a node where lower-priority
// pods exist is reported as having no victims found).
package defaultpreemption

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "DefaultPreemption"
	// ErrReasonNotHelpful is for nodes where removing pods cannot help.
	ErrReasonNotHelpful = "Preemption is not helpful for scheduling"
	// ErrReasonNoVictims is for nodes without lower-priority pods.
	ErrReasonNoVictims = "No preemption victims found for incoming pod"
	// ErrReasonNever is for pods with preemptionPolicy Never.
	ErrReasonNever = "not eligible due to preemptionPolicy=Never."
)

// DefaultPreemption is the plugin.
type DefaultPreemption struct{ h framework.Handle }

var _ framework.PostFilterPlugin = &DefaultPreemption{}

// New returns the plugin.
func New(_ framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	return &DefaultPreemption{h: h}, nil
}

// Name returns Name.
func (*DefaultPreemption) Name() string { return Name }

// PostFilter returns Unschedulable with the message "preemption: 0/N
// nodes are available: ..." listing why each node offers no candidate.
func (pl *DefaultPreemption) PostFilter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, statuses framework.NodeToStatus) (string, *framework.Status) {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return "", framework.NewStatus(framework.Unschedulable, "preemption: "+ErrReasonNever)
	}
	nodes := pl.h.SnapshotSharedLister().List()
	out := framework.NodeToStatus{}
	for _, n := range nodes {
		out[n.Node().Name] = Explain(pod, n, statuses[n.Node().Name])
	}
	return "", framework.NewStatus(framework.Unschedulable, "preemption: "+framework.FitMessage(len(nodes), out))
}

// Explain says why preemption offers nothing on n given its filter status.
func Explain(pod *v1.Pod, n *framework.NodeInfo, filter *framework.Status) *framework.Status {
	if filter.Code() != framework.Unschedulable {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNotHelpful)
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNoVictims)
}
