package job

import (
	"context"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// manage creates or deletes pods towards the wanted active count, as
// upstream's manageJob: a suspended Job loses all active pods; surplus
// pods (and, for Indexed Jobs, pods of duplicate or finished indexes) go
// first; new pods wait for the failure back-off.
func (r *Reconciler) manage(ctx context.Context, s *syncState) error {
	job := s.job
	if suspended(job) {
		return r.remove(ctx, s, rankForRemoval(s.active))
	}
	want := wantActive(job, s.succeeded, s.activeN)
	victims := removals(job, s, want)
	if len(victims) > 0 {
		return r.remove(ctx, s, victims[:min(len(victims), burst)])
	}
	var terminating int32
	if onlyReplaceFailed(job) {
		terminating = s.terminate
	}
	diff := int(want - terminating - s.activeN)
	if diff <= 0 {
		return nil
	}
	if !hasPerIndexBackoff(job) {
		if left := backoffLeft(job, s.pods, s.now); left > 0 {
			s.requeueAfter(left)
			return nil
		}
	}
	diff = min(diff, burst)
	var indexes []int
	if isIndexed(job) {
		indexes = pendingIndexes(int(*job.Spec.Completions), diff, s.succeededIdx, s.failedIdx, s.active)
		if hasPerIndexBackoff(job) {
			var wait time.Duration
			indexes, wait = readyIndexes(indexes, s.states, s.now)
			s.requeueAfter(wait)
		}
		diff = len(indexes)
		if diff == 0 {
			return nil
		}
	}
	created, err := r.createPods(ctx, job, s.key, diff, indexes, s.states)
	s.activeN += int32(created)
	return err
}

// remove deletes victims after dropping their tracking finalizer, so
// they are not counted as failures, and updates the counts.
func (r *Reconciler) remove(ctx context.Context, s *syncState, victims []*corev1.Pod) error {
	if len(victims) == 0 {
		return nil
	}
	deleted, ready, err := r.deletePods(ctx, s.job, s.key, victims, true)
	s.activeN -= deleted
	s.terminate += deleted
	s.ready -= ready
	return err
}

// removals returns the active pods to delete: for Indexed Jobs those with
// a bad, duplicate or finished index, then as many more as exceed want,
// ranked as upstream (not ready, unscheduled and pending pods first).
func removals(job *batchv1.Job, s *syncState, want int32) []*corev1.Pod {
	var out []*corev1.Pod
	left := s.active
	if isIndexed(job) {
		out = surplusIndexed(job, s.active, s.succeededIdx, s.failedIdx)
		drop := map[*corev1.Pod]bool{}
		for _, p := range out {
			drop[p] = true
		}
		left = nil
		for _, p := range s.active {
			if !drop[p] {
				left = append(left, p)
			}
		}
	}
	if atLeast := int(s.activeN - want); len(out) < atLeast {
		out = append(out, rankForRemoval(left)[:min(len(left), atLeast-len(out))]...)
	}
	return out
}

// rankForRemoval sorts pods the way they should go first: unscheduled
// before scheduled, pending before running, not ready before ready,
// younger before older.
func rankForRemoval(pods []*corev1.Pod) []*corev1.Pod {
	out := append([]*corev1.Pod(nil), pods...)
	rank := func(p *corev1.Pod) [3]bool {
		return [3]bool{p.Spec.NodeName != "", p.Status.Phase == corev1.PodRunning, podReady(p)}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := rank(out[i]), rank(out[j])
		for k := range a {
			if a[k] != b[k] {
				return !a[k]
			}
		}
		return out[i].CreationTimestamp.After(out[j].CreationTimestamp.Time)
	})
	return out
}
