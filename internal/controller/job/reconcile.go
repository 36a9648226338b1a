package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/controller"
)

// jobControllerName is the spec.managedBy value this controller handles
// (as do Jobs without managedBy).
const jobControllerName = "kubernetes.io/job-controller"

// syncState is one pass over one Job: what the cache shows and what the
// pass decided so far.
type syncState struct {
	job       *batchv1.Job // a copy; its status is rewritten
	orig      *batchv1.Job // the cached Job, read-only
	key       string
	now       time.Time
	pods      []*corev1.Pod // the pods the Job controls
	active    []*corev1.Pod
	activeN   int32
	ready     int32
	terminate int32 // pods being deleted, not yet terminal

	succeeded, failed int32
	uncountedOK       map[string]bool // status.uncountedTerminatedPods.succeeded
	uncountedFail     map[string]bool
	removing          map[string]bool // finalizer removals in flight

	prevSucceededIdx, succeededIdx []int
	failedIdx                      []int
	states                         map[int]*indexState

	finished *batchv1.JobCondition // the terminal or interim condition decided
	requeue  time.Duration
}

func (s *syncState) requeueAfter(d time.Duration) {
	if d > 0 && (s.requeue == 0 || d < s.requeue) {
		s.requeue = d
	}
}

// Reconcile brings the pods of the Job req names towards its spec and
// writes its status, as upstream's syncJob.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.String()
	cached, err := r.jobs.Jobs(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.exp.forget(key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if !r.exp.statusSeen(key, cached.ResourceVersion) {
		// Our last status write is not in the cache yet; its update event
		// syncs the Job again (the requeue covers a lost event).
		return controller.Result{RequeueAfter: time.Second}, nil
	}
	if finishedCondition(cached) != nil {
		return controller.Result{}, nil
	}
	if m := cached.Spec.ManagedBy; m != nil && *m != jobControllerName {
		return controller.Result{}, nil
	}
	if isIndexed(cached) && cached.Spec.Completions == nil {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("job %s: indexed job without completions", key))
	}
	satisfied := r.exp.satisfied(key)
	all, err := r.claimable.For(cached.Namespace, cached.UID)
	if err != nil {
		return controller.Result{}, err
	}
	job := cached.DeepCopy()
	pods, err := r.claim(ctx, job, all)
	if err != nil {
		return controller.Result{}, err
	}
	s := r.observe(job, key, pods)
	s.orig = cached
	manageErr := r.decide(ctx, s, satisfied)
	if err := r.track(ctx, s); err != nil {
		return controller.Result{}, errors.Join(manageErr, fmt.Errorf("tracking status: %w", err))
	}
	if manageErr != nil {
		return controller.Result{}, manageErr
	}
	return controller.Result{RequeueAfter: s.requeue}, nil
}

// observe counts the Job's pods as upstream's syncJob does before it
// decides anything.
func (r *Reconciler) observe(job *batchv1.Job, key string, pods []*corev1.Pod) *syncState {
	s := &syncState{job: job, key: key, now: r.now(), pods: pods, removing: r.exp.pendingRemovals(key),
		uncountedOK: map[string]bool{}, uncountedFail: map[string]bool{}}
	if u := job.Status.UncountedTerminatedPods; u != nil {
		for _, uid := range u.Succeeded {
			s.uncountedOK[string(uid)] = true
		}
		for _, uid := range u.Failed {
			s.uncountedFail[string(uid)] = true
		}
	}
	for _, p := range pods {
		switch {
		case isActive(p):
			s.active = append(s.active, p)
			if podReady(p) {
				s.ready++
			}
		case isTerminatingPod(p):
			s.terminate++
		}
	}
	s.activeN = int32(len(s.active))
	newOK, newFailed := 0, 0
	for _, p := range s.newlyFinished() {
		if p.Status.Phase == corev1.PodSucceeded {
			newOK++
		} else if matchFailurePolicy(job.Spec.PodFailurePolicy, p).count {
			newFailed++
		}
	}
	s.succeeded = job.Status.Succeeded + int32(newOK+len(s.uncountedOK))
	s.failed = job.Status.Failed + int32(newFailed+len(s.uncountedFail))
	if job.Status.StartTime == nil && !suspended(job) {
		now := metav1.NewTime(s.now)
		job.Status.StartTime = &now
	}
	if isIndexed(job) {
		completions := int(*job.Spec.Completions)
		s.prevSucceededIdx = parseIndexes(job.Status.CompletedIndexes, completions)
		var more []int
		for _, p := range pods {
			if ix := validIndex(job, p); ix != noIndex && p.Status.Phase == corev1.PodSucceeded {
				more = append(more, ix)
			}
		}
		s.succeededIdx = union(s.prevSucceededIdx, more...)
		s.succeeded = int32(len(s.succeededIdx))
		if hasPerIndexBackoff(job) {
			s.states = indexStates(job, pods, s.now)
			s.failedIdx = failedIndexes(job, s.states)
		}
	}
	return s
}

// newlyFinished returns the terminated pods still holding the finalizer
// and not yet in uncountedTerminatedPods (upstream's getNewFinishedPods).
func (s *syncState) newlyFinished() []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range s.pods {
		uid := string(p.UID)
		if !hasFinalizer(p) || s.uncountedOK[uid] || s.uncountedFail[uid] || s.removing[uid] {
			continue
		}
		if isIndexed(s.job) && validIndex(s.job, p) == noIndex {
			continue
		}
		if p.Status.Phase == corev1.PodSucceeded || isPodFailed(p, s.job) {
			out = append(out, p)
		}
	}
	return out
}

// failJobMessage returns the message of the first FailJob rule a failed
// pod matches.
func failJobMessage(job *batchv1.Job, pods []*corev1.Pod) string {
	if job.Spec.PodFailurePolicy == nil {
		return ""
	}
	for _, p := range pods {
		if isPodFailed(p, job) {
			if m := matchFailurePolicy(job.Spec.PodFailurePolicy, p); m.failJob != "" {
				return m.failJob
			}
		}
	}
	return ""
}

func newCondition(t batchv1.JobConditionType, reason, message string, now time.Time) *batchv1.JobCondition {
	return &batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message,
		LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
}

// failure decides whether the Job failed: an earlier FailureTarget, a
// FailJob rule, the back-off limit, the active deadline or the failed
// indexes. It returns the condition to add, or nil.
func failure(s *syncState) *batchv1.JobCondition {
	job := s.job
	if c := condition(job, batchv1.JobFailureTarget); c != nil {
		return newCondition(batchv1.JobFailed, c.Reason, c.Message, s.now)
	}
	if msg := failJobMessage(job, s.pods); msg != "" {
		return newCondition(batchv1.JobFailureTarget, batchv1.JobReasonPodFailurePolicy, msg, s.now)
	}
	if (job.Spec.BackoffLimit != nil && s.failed > *job.Spec.BackoffLimit) || pastBackoffLimitOnFailure(job, s.pods) {
		return newCondition(batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded, msgBackoffLimitExceeded, s.now)
	}
	if left, ok := deadlineLeft(job, s.now); ok {
		if left <= 0 {
			return newCondition(batchv1.JobFailureTarget, batchv1.JobReasonDeadlineExceeded, msgDeadlineExceeded, s.now)
		}
		s.requeueAfter(left)
	}
	if s.failedIdx != nil {
		n := len(s.failedIdx)
		switch {
		case job.Spec.MaxFailedIndexes != nil && n > int(*job.Spec.MaxFailedIndexes):
			return newCondition(batchv1.JobFailureTarget, batchv1.JobReasonMaxFailedIndexesExceeded, msgMaxFailedIndexes, s.now)
		case n > 0 && n+len(s.succeededIdx) >= int(*job.Spec.Completions):
			return newCondition(batchv1.JobFailureTarget, batchv1.JobReasonFailedIndexes, msgFailedIndexes, s.now)
		}
	}
	return nil
}

// decide picks the Job's terminal path or manages its pods, and sets the
// Suspended condition; it returns the first pod create or delete error.
func (r *Reconciler) decide(ctx context.Context, s *syncState, satisfied bool) error {
	job := s.job
	if c := condition(job, batchv1.JobSuccessCriteriaMet); c != nil {
		s.finished = c.DeepCopy()
	} else {
		s.finished = failure(s)
	}
	if s.finished == nil && isIndexed(job) {
		if msg, met := matchSuccessPolicy(job.Spec.SuccessPolicy, int(*job.Spec.Completions), s.succeededIdx); met {
			s.finished = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonSuccessPolicy, msg, s.now)
		}
	}
	if s.finished != nil {
		deleted, ready, err := r.deletePods(ctx, job, s.key, s.active, false)
		if deleted != s.activeN || !satisfied {
			s.finished = nil // pods left, or not yet in the cache
		}
		s.activeN -= deleted
		s.terminate += deleted
		s.ready -= ready
		return err
	}
	var err error
	if satisfied && job.DeletionTimestamp == nil {
		err = r.manage(ctx, s)
		if complete(job, s.succeeded, s.activeN) {
			s.finished = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, msgCompletionsReached, s.now)
			return err
		}
		r.setSuspended(s)
		return err
	}
	if complete(job, s.succeeded, s.activeN) {
		s.finished = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, msgCompletionsReached, s.now)
	}
	return err
}

// setSuspended keeps the Suspended condition in step with spec.suspend,
// with upstream's events; resuming restarts the active deadline clock.
func (r *Reconciler) setSuspended(s *syncState) {
	job := s.job
	if suspended(job) {
		if ensureCondition(job, batchv1.JobSuspended, corev1.ConditionTrue, reasonJobSuspended, "Job suspended", s.now) {
			r.recorder.Event(job, corev1.EventTypeNormal, "Suspended", "Job suspended")
		}
		return
	}
	if ensureCondition(job, batchv1.JobSuspended, corev1.ConditionFalse, reasonJobResumed, "Job resumed", s.now) {
		r.recorder.Event(job, corev1.EventTypeNormal, "Resumed", "Job resumed")
		now := metav1.NewTime(s.now)
		job.Status.StartTime = &now
	}
}

// ensureCondition sets condition t to status (never adding a False one)
// and reports whether it changed.
func ensureCondition(job *batchv1.Job, t batchv1.JobConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) bool {
	for i := range job.Status.Conditions {
		c := &job.Status.Conditions[i]
		if c.Type != t {
			continue
		}
		if c.Status == status && c.Reason == reason && c.Message == msg {
			return false
		}
		*c = *newCondition(t, reason, msg, now)
		c.Status = status
		return true
	}
	if status == corev1.ConditionFalse {
		return false
	}
	job.Status.Conditions = append(job.Status.Conditions, *newCondition(t, reason, msg, now))
	return true
}
