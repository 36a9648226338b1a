package job

import (
	"context"
	"errors"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxUncounted caps status.uncountedTerminatedPods, as upstream's
// MaxUncountedPods.
const maxUncounted = 500

// track is upstream's trackJobStatusAndRemoveFinalizers: finished pods
// holding the tracking finalizer go into status.uncountedTerminatedPods
// (written first), then lose the finalizer, then move into the
// succeeded/failed counters; the interim FailureTarget or
// SuccessCriteriaMet condition is written before any finalizer goes, and
// the final Failed or Complete condition once nothing is uncounted or
// terminating.
func (r *Reconciler) track(ctx context.Context, s *syncState) error {
	job, orig := s.job, s.orig
	var err error
	job.Status.Active = s.activeN
	job.Status.Ready = &s.ready
	job.Status.Terminating = &s.terminate
	if job.Status.UncountedTerminatedPods == nil {
		job.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	withFin := map[string]bool{}
	for _, p := range s.pods {
		if hasFinalizer(p) && !s.removing[string(p.UID)] {
			withFin[string(p.UID)] = true
		}
	}
	moveUncounted(&job.Status, withFin)
	toRemove, full := s.collectFinished()
	if isIndexed(job) {
		job.Status.CompletedIndexes = formatIndexes(s.succeededIdx)
		job.Status.Succeeded = int32(len(s.succeededIdx))
		if s.failedIdx != nil {
			f := formatIndexes(s.failedIdx)
			job.Status.FailedIndexes = &f
		}
	}
	if s.finished != nil && s.finished.Type == batchv1.JobFailureTarget {
		job.Status.Conditions = append(job.Status.Conditions, *s.finished)
		s.finished = newCondition(batchv1.JobFailed, s.finished.Reason, s.finished.Message, s.now)
	}
	if s.finished != nil && s.finished.Type == batchv1.JobSuccessCriteriaMet {
		if condition(job, batchv1.JobSuccessCriteriaMet) == nil {
			job.Status.Conditions = append(job.Status.Conditions, *s.finished)
		}
		s.finished = newCondition(batchv1.JobComplete, s.finished.Reason, s.finished.Message, s.now)
	}
	if job, err = r.flush(ctx, s.key, orig, job); err != nil {
		return err
	}
	var rmErr error
	if len(toRemove) > 0 {
		var ok []bool
		ok, rmErr = r.removeFinalizers(ctx, s.key, toRemove)
		for i, p := range toRemove {
			if ok[i] {
				delete(withFin, string(p.UID))
			}
		}
	}
	before := job.DeepCopy()
	moveUncounted(&job.Status, withFin)
	finished := !full && s.enactFinished(job)
	if job, err = r.flush(ctx, s.key, before, job); err != nil {
		return errors.Join(rmErr, err)
	}
	if finished {
		r.recordFinished(job, s.finished)
	}
	return rmErr
}

// collectFinished picks the pods whose finalizer this pass removes and
// adds them to uncountedTerminatedPods (succeeded indexes of Indexed Jobs
// go straight into completedIndexes). full is true when the uncounted
// lists reached their cap.
func (s *syncState) collectFinished() (toRemove []*corev1.Pod, full bool) {
	job := s.job
	u := job.Status.UncountedTerminatedPods
	for _, p := range s.pods {
		uid := string(p.UID)
		if !hasFinalizer(p) || s.removing[uid] {
			continue
		}
		failed := isPodFailed(p, job)
		if !(job.DeletionTimestamp != nil || s.finished != nil || p.Status.Phase == corev1.PodSucceeded || failed) {
			continue
		}
		toRemove = append(toRemove, p)
		ix := validIndex(job, p)
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !s.uncountedFail[uid]:
			if !isIndexed(job) && !s.uncountedOK[uid] {
				u.Succeeded = append(u.Succeeded, types.UID(uid))
				s.uncountedOK[uid] = true
			}
		case failed || (s.finished != nil && s.finished.Type != batchv1.JobSuccessCriteriaMet && s.finished.Type != batchv1.JobComplete):
			if !s.uncountedFail[uid] && (!isIndexed(job) || ix != noIndex) &&
				matchFailurePolicy(job.Spec.PodFailurePolicy, p).count {
				u.Failed = append(u.Failed, types.UID(uid))
				s.uncountedFail[uid] = true
			}
		}
		if len(u.Succeeded)+len(u.Failed) >= maxUncounted {
			return toRemove, true
		}
	}
	return toRemove, false
}

// moveUncounted moves the uncounted pods that no longer hold the
// finalizer into the succeeded and failed counters.
func moveUncounted(st *batchv1.JobStatus, withFin map[string]bool) {
	u := st.UncountedTerminatedPods
	keep := func(in []types.UID) []types.UID {
		var out []types.UID
		for _, uid := range in {
			if withFin[string(uid)] {
				out = append(out, uid)
			}
		}
		return out
	}
	ok, failed := keep(u.Succeeded), keep(u.Failed)
	st.Succeeded += int32(len(u.Succeeded) - len(ok))
	st.Failed += int32(len(u.Failed) - len(failed))
	u.Succeeded, u.Failed = ok, failed
}

// enactFinished adds the final Complete or Failed condition once no pod
// is uncounted or terminating; it reports whether it did.
func (s *syncState) enactFinished(job *batchv1.Job) bool {
	if s.finished == nil {
		return false
	}
	if u := job.Status.UncountedTerminatedPods; len(u.Succeeded)+len(u.Failed) > 0 || s.terminate > 0 {
		return false
	}
	ensureCondition(job, s.finished.Type, corev1.ConditionTrue, s.finished.Reason, s.finished.Message, s.now)
	if s.finished.Type == batchv1.JobComplete {
		t := metav1.NewTime(s.now)
		job.Status.CompletionTime = &t
	}
	return true
}

// flush writes job's status when it differs from old's; it returns the
// Job as stored, and holds key's next syncs back until the cache shows it.
func (r *Reconciler) flush(ctx context.Context, key string, old, job *batchv1.Job) (*batchv1.Job, error) {
	if statusEqual(old.Status, job.Status) {
		return job, nil
	}
	got, err := r.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return job, nil
	}
	if err != nil {
		return job, err
	}
	r.exp.statusWritten(key, got.ResourceVersion)
	return got, nil
}

// statusEqual compares statuses, taking an empty uncounted list as none.
func statusEqual(a, b batchv1.JobStatus) bool {
	empty := func(u *batchv1.UncountedTerminatedPods) bool {
		return u == nil || len(u.Succeeded)+len(u.Failed) == 0
	}
	if empty(a.UncountedTerminatedPods) && empty(b.UncountedTerminatedPods) {
		a.UncountedTerminatedPods, b.UncountedTerminatedPods = nil, nil
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

// recordFinished emits upstream's events for a finished Job.
func (r *Reconciler) recordFinished(job *batchv1.Job, c *batchv1.JobCondition) {
	if c.Type == batchv1.JobComplete {
		if job.Spec.Completions != nil && job.Status.Succeeded > *job.Spec.Completions {
			r.recorder.Event(job, corev1.EventTypeWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
		}
		r.recorder.Event(job, corev1.EventTypeNormal, "Completed", "Job completed")
		return
	}
	r.recorder.Event(job, corev1.EventTypeWarning, c.Reason, c.Message)
}
