package nodelifecycle

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The taints this controller manages (upstream's well-known taint keys).
const (
	taintNotReady           = "node.kubernetes.io/not-ready"
	taintUnreachable        = "node.kubernetes.io/unreachable"
	taintUnschedulable      = "node.kubernetes.io/unschedulable"
	taintMemoryPressure     = "node.kubernetes.io/memory-pressure"
	taintDiskPressure       = "node.kubernetes.io/disk-pressure"
	taintPIDPressure        = "node.kubernetes.io/pid-pressure"
	taintNetworkUnavailable = "node.kubernetes.io/network-unavailable"
)

var managedKeys = []string{taintNotReady, taintUnreachable, taintUnschedulable, taintMemoryPressure,
	taintDiskPressure, taintPIDPressure, taintNetworkUnavailable}

// noExecutePolicy says what may happen to a node's NoExecute taints: the
// zone's disruption state and the rate limiter decide.
type noExecutePolicy int

const (
	// noExecuteAdd: add and remove freely.
	noExecuteAdd noExecutePolicy = iota
	// noExecuteKeep: keep the ones present (swapping not-ready and
	// unreachable), add none.
	noExecuteKeep
	// noExecuteClear: remove them all (every zone fully disrupted).
	noExecuteClear
)

// noScheduleKey returns the NoSchedule taint upstream puts on a node for a
// condition status, or "".
func noScheduleKey(t corev1.NodeConditionType, s corev1.ConditionStatus) string {
	switch {
	case t == corev1.NodeReady && s == corev1.ConditionFalse:
		return taintNotReady
	case t == corev1.NodeReady && s == corev1.ConditionUnknown:
		return taintUnreachable
	case t == corev1.NodeMemoryPressure && s == corev1.ConditionTrue:
		return taintMemoryPressure
	case t == corev1.NodeDiskPressure && s == corev1.ConditionTrue:
		return taintDiskPressure
	case t == corev1.NodePIDPressure && s == corev1.ConditionTrue:
		return taintPIDPressure
	case t == corev1.NodeNetworkUnavailable && s == corev1.ConditionTrue:
		return taintNetworkUnavailable
	}
	return ""
}

// noExecuteKey is the NoExecute taint for a Ready status, or "".
func noExecuteKey(ready corev1.ConditionStatus) string {
	switch ready {
	case corev1.ConditionFalse:
		return taintNotReady
	case corev1.ConditionUnknown:
		return taintUnreachable
	}
	return ""
}

// wantTaints returns the taints node should carry: the ones this
// controller does not manage, unchanged, then the managed ones its
// conditions and spec.unschedulable call for. A taint already present
// keeps its TimeAdded.
func wantTaints(node *corev1.Node, now metav1.Time, policy noExecutePolicy) []corev1.Taint {
	var out []corev1.Taint
	has := map[corev1.Taint]*corev1.Taint{}
	for i, t := range node.Spec.Taints {
		if slices.Contains(managedKeys, t.Key) {
			has[corev1.Taint{Key: t.Key, Effect: t.Effect}] = &node.Spec.Taints[i]
			continue
		}
		out = append(out, t)
	}
	add := func(key string, effect corev1.TaintEffect) {
		if old, ok := has[corev1.Taint{Key: key, Effect: effect}]; ok {
			out = append(out, *old)
			return
		}
		t := corev1.Taint{Key: key, Effect: effect}
		if effect == corev1.TaintEffectNoExecute {
			t.TimeAdded = &now
		}
		out = append(out, t)
	}
	for _, c := range node.Status.Conditions {
		if key := noScheduleKey(c.Type, c.Status); key != "" {
			add(key, corev1.TaintEffectNoSchedule)
		}
	}
	if node.Spec.Unschedulable {
		add(taintUnschedulable, corev1.TaintEffectNoSchedule)
	}
	key := noExecuteKey(readyStatus(node))
	hadNoExecute := has[corev1.Taint{Key: taintNotReady, Effect: corev1.TaintEffectNoExecute}] != nil ||
		has[corev1.Taint{Key: taintUnreachable, Effect: corev1.TaintEffectNoExecute}] != nil
	switch {
	case key == "" || policy == noExecuteClear:
	case policy == noExecuteAdd || hadNoExecute:
		add(key, corev1.TaintEffectNoExecute)
	}
	return out
}

// needsNoExecute reports whether node is not Ready and lacks the NoExecute
// taint for its state: the case the rate limiter and zone state govern.
func needsNoExecute(node *corev1.Node) bool {
	key := noExecuteKey(readyStatus(node))
	if key == "" {
		return false
	}
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute && (t.Key == taintNotReady || t.Key == taintUnreachable) {
			return false
		}
	}
	return true
}

// sameTaints compares taint lists ignoring order.
func sameTaints(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		found := false
		for j := range b {
			if a[i].MatchTaint(&b[j]) && a[i].Value == b[j].Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// zoneState is upstream's disruption state of a zone.
type zoneState int

const (
	zoneNormal zoneState = iota
	zonePartialDisruption
	zoneFullDisruption
)

// Upstream's defaults: --unhealthy-zone-threshold and
// --large-cluster-size-threshold.
const (
	unhealthyZoneThreshold = 0.55
	largeClusterThreshold  = 50
)

// computeZoneState classifies a zone from its counts of Ready and not
// Ready nodes.
func computeZoneState(ready, notReady int) zoneState {
	switch {
	case ready == 0 && notReady > 0:
		return zoneFullDisruption
	case notReady > 2 && float64(notReady)/float64(ready+notReady) >= unhealthyZoneThreshold:
		return zonePartialDisruption
	}
	return zoneNormal
}

// zoneKey is the zone a node is in for disruption accounting (upstream's
// region and zone labels).
func zoneKey(node *corev1.Node) string {
	return node.Labels[corev1.LabelTopologyRegion] + ":\x00:" + node.Labels[corev1.LabelTopologyZone]
}

// policyFor decides what may happen to NoExecute taints in a zone:
// states maps every zone to its state, size is the node count of node's
// zone.
func policyFor(states map[string]zoneState, zone string, size int) noExecutePolicy {
	allFull := len(states) > 0
	for _, s := range states {
		if s != zoneFullDisruption {
			allFull = false
		}
	}
	if allFull {
		return noExecuteClear
	}
	if states[zone] == zonePartialDisruption && size <= largeClusterThreshold {
		return noExecuteKeep
	}
	return noExecuteAdd
}
