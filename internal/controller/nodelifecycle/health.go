package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Upstream's reasons and messages for conditions the controller sets to
// Unknown.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNeverPosted = "Kubelet never posted node status."
)

// monitoredConditions are the conditions set to Unknown when a node goes
// silent, Ready first.
var monitoredConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// health is what the controller remembers of a node between passes.
type health struct {
	probe     time.Time   // last time the node was seen alive, on the controller's clock
	heartbeat metav1.Time // LastHeartbeatTime of the Ready condition at that time
	renew     time.Time   // the Lease's renewTime at that time
	ready     corev1.ConditionStatus
}

// observe returns the new health of node: the probe time moves to now on
// the first sight, on a new Ready heartbeat, or on a renewed Lease.
func observe(prev *health, node *corev1.Node, lease *coordinationv1.Lease, now time.Time) health {
	var h health
	if prev != nil {
		h = *prev
	}
	if c := condition(node, corev1.NodeReady); c != nil {
		if prev == nil || !c.LastHeartbeatTime.Equal(&prev.heartbeat) {
			h.probe, h.heartbeat = now, c.LastHeartbeatTime
		}
	}
	if lease != nil && lease.Spec.RenewTime != nil && lease.Spec.RenewTime.After(h.renew) {
		h.probe, h.renew = now, lease.Spec.RenewTime.Time
	}
	if prev == nil {
		h.probe = now
	}
	return h
}

// stale reports whether a node last seen alive at probe has been silent
// for longer than its grace period at now; a node that never posted Ready
// gets the startup grace period.
func stale(node *corev1.Node, probe, now time.Time, grace, startupGrace time.Duration) (bool, time.Duration) {
	g := grace
	if condition(node, corev1.NodeReady) == nil {
		g = startupGrace
	}
	left := probe.Add(g).Sub(now)
	return left < 0, left
}

// markUnknown returns node's conditions with every monitored condition
// set to Unknown, as upstream does for a silent node; changed is false if
// they all were already.
func markUnknown(node *corev1.Node, now metav1.Time) (conds []corev1.NodeCondition, changed bool) {
	conds = make([]corev1.NodeCondition, len(node.Status.Conditions))
	copy(conds, node.Status.Conditions)
	for _, t := range monitoredConditions {
		i := indexOf(conds, t)
		if i < 0 {
			conds = append(conds, corev1.NodeCondition{
				Type: t, Status: corev1.ConditionUnknown, Reason: reasonNeverUpdated, Message: messageNeverPosted,
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: now,
			})
			changed = true
			continue
		}
		if conds[i].Status == corev1.ConditionUnknown {
			continue
		}
		conds[i].Status, conds[i].Reason, conds[i].Message = corev1.ConditionUnknown, reasonUnknown, messageUnknown
		conds[i].LastTransitionTime = now
		changed = true
	}
	return conds, changed
}

func indexOf(conds []corev1.NodeCondition, t corev1.NodeConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}

// condition returns node's condition of type t, or nil.
func condition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	if i := indexOf(node.Status.Conditions, t); i >= 0 {
		return &node.Status.Conditions[i]
	}
	return nil
}

// readyStatus is the status of node's Ready condition, Unknown if absent.
func readyStatus(node *corev1.Node) corev1.ConditionStatus {
	if c := condition(node, corev1.NodeReady); c != nil {
		return c.Status
	}
	return corev1.ConditionUnknown
}
