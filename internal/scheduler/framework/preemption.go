package framework

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
)

// PreFilterExtensions let a PreFilter plugin whose cycle state depends
// on the pods already placed (inter-pod affinity, topology spread) keep
// that state right when preemption or nominated pods add or remove a pod
// on a copy of a node.
type PreFilterExtensions interface {
	AddPod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToAdd *PodInfo, nodeInfo *NodeInfo) *Status
	RemovePod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToRemove *PodInfo, nodeInfo *NodeInfo) *Status
}

// PreFilterExtender is implemented by PreFilter plugins that have
// PreFilterExtensions (upstream's PreFilterPlugin.PreFilterExtensions);
// plugins without it need none.
type PreFilterExtender interface {
	PreFilterExtensions() PreFilterExtensions
}

// PodNominator knows which pending pods are nominated to which node
// (status.nominatedNodeName, or the scheduler's own nomination before
// the API shows it).
type PodNominator interface {
	// NominatedPodsForNode returns a copy of the pods nominated to node.
	NominatedPodsForNode(nodeName string) []*PodInfo
}

// PreemptionHandle is what a preemption PostFilter needs beyond Handle:
// the profile's filters (run on modified copies of a node), the
// PreFilter extensions, the nominated pods, the event recorder and the
// preemption metrics. The scheduler's handle implements it.
type PreemptionHandle interface {
	Handle
	PodNominator
	// RunFilterPluginsWithNominatedPods runs the profile's filters on
	// nodeInfo as upstream: with the pods of equal or higher priority
	// nominated to the node added first, then (if those passed) without.
	RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) *Status
	RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToAdd *PodInfo, nodeInfo *NodeInfo) *Status
	RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToRemove *PodInfo, nodeInfo *NodeInfo) *Status
	// EventRecorder records core/v1 Events as the scheduler.
	EventRecorder() record.EventRecorder
	// PreemptionMetrics records preemption attempts and victims; never
	// nil (it may record nothing).
	PreemptionMetrics() PreemptionMetrics
}

// PreemptionMetrics are upstream's scheduler_preemption_attempts_total
// and scheduler_preemption_victims, as a preemption PostFilter records
// them.
type PreemptionMetrics interface {
	// PreemptionAttempt counts one preemption attempt (a PostFilter run).
	PreemptionAttempt()
	// PreemptionVictims records the number of victims of the node chosen.
	PreemptionVictims(n int)
}
