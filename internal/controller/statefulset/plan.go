package statefulset

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// planInput is what a sync decides from: the set's shape and its pods.
type planInput struct {
	// start and replicas give the ordinals [start, start+replicas).
	start, replicas int
	// ordered is podManagementPolicy OrderedReady.
	ordered bool
	// onDelete is updateStrategy OnDelete.
	onDelete bool
	// partition: ordinals below start+partition are not updated.
	partition int
	// maxUnavailable caps unhealthy pods during a rolling update; 0 means
	// one pod at a time, as without the field.
	maxUnavailable int
	// updateRevision names the revision pods are rolled to.
	updateRevision string
	// pods are the set's active and terminating pods, by ordinal.
	pods     map[int]*corev1.Pod
	minReady time.Duration
	now      time.Time
}

// plan is one sync's actions; the driver performs them in this order.
type plan struct {
	// recreate are failed or succeeded pods to delete and create again.
	recreate []*corev1.Pod
	// create are ordinals to create.
	create []int
	// condemn are pods out of range to delete, highest ordinal first.
	condemn []*corev1.Pod
	// update are outdated pods to delete for the rolling update.
	update []*corev1.Pod
	// waitReady is set when the sync stopped for a pod to become
	// available; recheck is when minReadySeconds may make it so.
	recheck time.Duration
}

func isTerminating(p *corev1.Pod) bool { return p.DeletionTimestamp != nil }

func isFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

func readySince(p *corev1.Pod) (time.Time, bool) {
	if p.Status.Phase != corev1.PodRunning {
		return time.Time{}, false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time, c.Status == corev1.ConditionTrue
		}
	}
	return time.Time{}, false
}

// isRunningReady: Running with the Ready condition true.
func isRunningReady(p *corev1.Pod) bool { _, ok := readySince(p); return ok }

// availableIn is how long until p has been ready for minReady: 0 when it
// is available now, -1 when it is not ready at all.
func availableIn(p *corev1.Pod, minReady time.Duration, now time.Time) time.Duration {
	since, ok := readySince(p)
	if !ok || isTerminating(p) {
		return -1
	}
	if minReady == 0 || since.IsZero() {
		return 0
	}
	return max(since.Add(minReady).Sub(now), 0)
}

// isHealthy: running, ready, available and not terminating.
func isHealthy(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	return p != nil && availableIn(p, minReady, now) == 0
}

// decide computes a sync's plan as upstream's StatefulSet control does:
// first the ordinals in range in ascending order, then the condemned ones
// in descending order, then the rolling update from the highest ordinal
// down. Under OrderedReady every step stops at the first pod that is not
// healthy.
func decide(in planInput) plan {
	var p plan
	healthy := func(pod *corev1.Pod) bool { return isHealthy(pod, in.minReady, in.now) }
	var ords []int
	for ord := range in.pods {
		if ord < in.start || ord >= in.start+in.replicas {
			ords = append(ords, ord)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ords)))
	condemned := make([]*corev1.Pod, len(ords))
	for i, ord := range ords {
		condemned[i] = in.pods[ord]
	}
	// Phase 1: the ordinals in range.
	for ord := in.start; ord < in.start+in.replicas; ord++ {
		pod := in.pods[ord]
		switch {
		case pod == nil:
			p.create = append(p.create, ord)
		case isFinished(pod) && !isTerminating(pod):
			p.recreate = append(p.recreate, pod)
		case isTerminating(pod), healthy(pod):
			if isTerminating(pod) && in.ordered {
				return p
			}
			continue
		default:
			if d := availableIn(pod, in.minReady, in.now); d > 0 {
				p.recheck = d
			}
		}
		if in.ordered {
			return p
		}
	}
	// Phase 2: condemned pods, highest ordinal first.
	for i, pod := range condemned {
		if isTerminating(pod) {
			if in.ordered {
				return p
			}
			continue
		}
		// Under OrderedReady an unhealthy pod blocks the deletion of any
		// other than itself (it is the first unhealthy one left).
		if in.ordered && !healthy(pod) && firstUnhealthy(condemned[i+1:], healthy) {
			return p
		}
		p.condemn = append(p.condemn, pod)
		if in.ordered {
			return p
		}
	}
	if in.onDelete || len(p.create)+len(p.recreate)+len(p.condemn) > 0 && in.ordered {
		return p
	}
	p.update = rollingUpdate(in, healthy)
	return p
}

// firstUnhealthy reports whether any of rest is unhealthy (so the pod
// before it is not the only one).
func firstUnhealthy(rest []*corev1.Pod, healthy func(*corev1.Pod) bool) bool {
	for _, p := range rest {
		if !healthy(p) {
			return true
		}
	}
	return false
}

// rollingUpdate picks the outdated pods to delete: from the highest
// ordinal down to the partition; without maxUnavailable one at a time,
// waiting for each replacement to be healthy; with it, as many as keep at
// most maxUnavailable pods in range unhealthy.
func rollingUpdate(in planInput, healthy func(*corev1.Pod) bool) []*corev1.Pod {
	end := in.start + in.replicas
	lowest := in.start + min(max(in.partition, 0), in.replicas)
	if in.maxUnavailable <= 0 {
		for ord := end - 1; ord >= lowest; ord-- {
			pod := in.pods[ord]
			if pod == nil {
				return nil
			}
			if revisionOf(pod) != in.updateRevision && !isTerminating(pod) {
				return []*corev1.Pod{pod}
			}
			if !healthy(pod) {
				return nil
			}
		}
		return nil
	}
	unavailable := 0
	for ord := in.start; ord < end; ord++ {
		if !healthy(in.pods[ord]) {
			unavailable++
		}
	}
	var out []*corev1.Pod
	for ord := end - 1; ord >= lowest && len(out) < in.maxUnavailable-unavailable; ord-- {
		if pod := in.pods[ord]; pod != nil && !isTerminating(pod) && revisionOf(pod) != in.updateRevision {
			out = append(out, pod)
		}
	}
	return out
}
