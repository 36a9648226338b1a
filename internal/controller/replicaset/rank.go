package replicaset

import (
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// deletionCostAnnotation is upstream's controller.kubernetes.io/pod-deletion-cost.
const deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// isActive reports whether pod counts towards the replicas: neither
// finished nor being deleted.
func isActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

// readyCondition returns the pod's Ready condition, if any.
func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// isReady reports whether pod is Ready.
func isReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isAvailable reports whether pod has been Ready for minReady at now.
func isAvailable(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	c := readyCondition(p)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false
	}
	return minReady == 0 || (!c.LastTransitionTime.IsZero() && !c.LastTransitionTime.Add(minReady).After(now))
}

func deletionCost(p *corev1.Pod) int64 {
	v, err := strconv.ParseInt(p.Annotations[deletionCostAnnotation], 10, 32)
	if err != nil {
		return 0
	}
	return v
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n = max(n, s.RestartCount)
	}
	return n
}

var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// deleteFirst reports whether a should be deleted before b. rank counts
// the active pods of the same owner on each pod's node.
func deleteFirst(a, b *corev1.Pod, rank map[string]int) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if phaseOrder[a.Status.Phase] != phaseOrder[b.Status.Phase] {
		return phaseOrder[a.Status.Phase] < phaseOrder[b.Status.Phase]
	}
	if isReady(a) != isReady(b) {
		return !isReady(a)
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if ra, rb := rank[a.Spec.NodeName], rank[b.Spec.NodeName]; a.Spec.NodeName != "" && ra != rb {
		return ra > rb
	}
	if isReady(a) && isReady(b) {
		ta, tb := readyCondition(a).LastTransitionTime, readyCondition(b).LastTransitionTime
		if !ta.Equal(&tb) {
			return afterOrZero(ta.Time, tb.Time)
		}
	}
	if ra, rb := restarts(a), restarts(b); ra != rb {
		return ra > rb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return afterOrZero(a.CreationTimestamp.Time, b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

// afterOrZero: a zero time sorts first, then newer before older.
func afterOrZero(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() && !b.IsZero()
	}
	return a.After(b)
}

// podsToDelete returns the n pods of pods to delete first.
func podsToDelete(pods []*corev1.Pod, n int) []*corev1.Pod {
	if n >= len(pods) {
		return pods
	}
	rank := map[string]int{}
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			rank[p.Spec.NodeName]++
		}
	}
	sorted := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(sorted, func(i, j int) bool { return deleteFirst(sorted[i], sorted[j], rank) })
	return sorted[:n]
}

// slowStartBatches returns the batch sizes that create count pods: 1, 2,
// 4, ... doubling, the last one trimmed.
func slowStartBatches(count int) []int {
	var out []int
	for size := 1; count > 0; size *= 2 {
		b := min(size, count)
		out = append(out, b)
		count -= b
	}
	return out
}
