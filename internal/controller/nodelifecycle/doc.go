// Package nodelifecycle owns node health and taint-based eviction, as
// upstream's node lifecycle controller and taint eviction controller in
// kube-controller-manager do. New returns one runnable holding both loops.
//
// The monitor loop, Reconcile(node):
//
//   - remembers when it last saw the node alive (probe time, on the
//     controller's clock): the first sight of the node, a new
//     LastHeartbeatTime of its Ready condition, or a new renewTime of its
//     Lease in kube-node-lease;
//   - once the probe time is older than the grace period (40 s, upstream's
//     --node-monitor-grace-period; 60 s for a node that never posted
//     status), sets Ready, MemoryPressure, DiskPressure and PIDPressure to
//     Unknown with reason NodeStatusUnknown and message "Kubelet stopped
//     posting node status." (NodeStatusNeverUpdated for a condition the
//     kubelet never posted);
//   - on Ready leaving True records NodeNotReady on the Node and sets the
//     Ready condition of its pods to False (upstream's MarkPodsNotReady),
//     and keeps doing so while Ready is Unknown;
//   - keeps the Node's taints: node.kubernetes.io/unreachable NoExecute and
//     NoSchedule while Ready is Unknown, node.kubernetes.io/not-ready while
//     it is False, the memory-, disk-, pid-pressure, network-unavailable and
//     unschedulable NoSchedule taints from the other conditions and
//     spec.unschedulable, and removes them when the node recovers.
//     New NoExecute taints are rate limited per zone (0.1 nodes/s); a zone
//     with more than 2 and at least 55 % of its nodes not Ready, in a
//     cluster of at most 50 nodes, gets no new ones, and when every node of
//     every zone is not Ready the NoExecute taints are removed (upstream's
//     disruption modes).
//
// The eviction loop, Reconcile(pod) of a pod bound to a node: a pod that
// does not tolerate every NoExecute taint of its node is deleted at once; a
// pod that tolerates them is deleted tolerationSeconds (the smallest of the
// tolerations used) after the controller first saw it under the taints,
// and never if they are tolerated forever. Before deleting it writes the
// DisruptionTarget condition (reason DeletionByTaintManager) and records
// TaintManagerEviction; a scheduled deletion that is cancelled records
// TaintManagerEviction "Cancelling deletion of Pod".
//
// The decisions are pure functions: health.go (when a node becomes
// Unknown), taints.go (which taints a node should carry, the zone state)
// and eviction.go (when a pod goes). Time comes from Config.Now.
package nodelifecycle
