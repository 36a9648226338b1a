package job

import (
	"math"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Back-off of pod re-creation after failures, as upstream's job
// controller (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff).
const (
	podFailureBackoff    = 10 * time.Second
	maxPodFailureBackoff = 10 * time.Minute
)

// Condition reasons and messages upstream's job controller writes.
const (
	reasonJobSuspended      = "JobSuspended"
	reasonJobResumed        = "JobResumed"
	msgCompletionsReached   = "Reached expected number of succeeded pods"
	msgBackoffLimitExceeded = "Job has reached the specified backoff limit"
	msgDeadlineExceeded     = "Job was active longer than specified deadline"
	msgMaxFailedIndexes     = "Job has exceeded the specified maximal number of failed indexes"
	msgFailedIndexes        = "Job has failed indexes"
)

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// isActive: not terminal and not being deleted.
func isActive(p *corev1.Pod) bool { return !isTerminal(p) && p.DeletionTimestamp == nil }

// isTerminatingPod: being deleted and not yet terminal.
func isTerminatingPod(p *corev1.Pod) bool { return !isTerminal(p) && p.DeletionTimestamp != nil }

// onlyReplaceFailed reports whether a replacement waits for the pod to
// reach phase Failed (podReplacementPolicy Failed, implied by a pod
// failure policy) rather than only to be deleted.
func onlyReplaceFailed(job *batchv1.Job) bool {
	if job.Spec.PodFailurePolicy != nil {
		return true
	}
	return job.Spec.PodReplacementPolicy != nil && *job.Spec.PodReplacementPolicy == batchv1.Failed
}

// isPodFailed is upstream's: phase Failed, or (unless only failed pods
// are replaced) deleted before it succeeded.
func isPodFailed(p *corev1.Pod, job *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(job) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

func suspended(job *batchv1.Job) bool { return job.Spec.Suspend != nil && *job.Spec.Suspend }

func hasPerIndexBackoff(job *batchv1.Job) bool {
	return isIndexed(job) && job.Spec.BackoffLimitPerIndex != nil
}

// finishedCondition returns the Job's Complete or Failed condition that is
// True, or nil.
func finishedCondition(job *batchv1.Job) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		c := &job.Status.Conditions[i]
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

// condition returns the True condition of type t, or nil.
func condition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if job.Status.Conditions[i].Type == t && job.Status.Conditions[i].Status == corev1.ConditionTrue {
			return &job.Status.Conditions[i]
		}
	}
	return nil
}

// wantActive is how many pods should run: for a Job without completions
// parallelism until the first success (then whatever still runs), else
// the remaining completions capped by parallelism.
func wantActive(job *batchv1.Job, succeeded, active int32) int32 {
	parallelism := int32(1)
	if job.Spec.Parallelism != nil {
		parallelism = *job.Spec.Parallelism
	}
	if job.Spec.Completions == nil {
		if succeeded > 0 {
			return active
		}
		return parallelism
	}
	return max(0, min(*job.Spec.Completions-succeeded, parallelism))
}

// complete reports whether the Job has succeeded: enough successes (any
// one without completions) and nothing left running.
func complete(job *batchv1.Job, succeeded, active int32) bool {
	if job.Spec.Completions == nil {
		return succeeded > 0 && active == 0
	}
	return succeeded >= *job.Spec.Completions && active == 0
}

// pastBackoffLimitOnFailure is upstream's check for restartPolicy
// OnFailure: the container restarts of running and pending pods reach
// backoffLimit (exceed it, when the limit is 0).
func pastBackoffLimitOnFailure(job *batchv1.Job, pods []*corev1.Pod) bool {
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure || job.Spec.BackoffLimit == nil {
		return false
	}
	var restarts int32
	for _, p := range pods {
		if p.Status.Phase != corev1.PodRunning && p.Status.Phase != corev1.PodPending {
			continue
		}
		for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			restarts += cs.RestartCount
		}
	}
	if *job.Spec.BackoffLimit == 0 {
		return restarts > 0
	}
	return restarts >= *job.Spec.BackoffLimit
}

// deadlineLeft is how long the Job may still run under
// activeDeadlineSeconds; ok is false when no deadline applies (none set,
// not started, or suspended).
func deadlineLeft(job *batchv1.Job, now time.Time) (left time.Duration, ok bool) {
	if job.Spec.ActiveDeadlineSeconds == nil || job.Status.StartTime == nil || suspended(job) {
		return 0, false
	}
	allowed := time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second
	return allowed - now.Sub(job.Status.StartTime.Time), true
}

// backoffDelay is the delay before a new pod after failures consecutive
// failures: 10 s doubling, capped.
func backoffDelay(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	if failures > 20 {
		return maxPodFailureBackoff
	}
	d := time.Duration(float64(podFailureBackoff) * math.Pow(2, float64(failures-1)))
	return min(d, maxPodFailureBackoff)
}

// finishTime is when a terminated pod finished: its last container
// finish, else its deletion, else its Ready condition change, else now.
func finishTime(p *corev1.Pod, now time.Time) time.Time {
	var t time.Time
	for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
		if cs.State.Terminated != nil && cs.State.Terminated.FinishedAt.After(t) {
			t = cs.State.Terminated.FinishedAt.Time
		}
	}
	if !t.IsZero() {
		return t
	}
	if p.DeletionTimestamp != nil {
		return p.DeletionTimestamp.Time
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	return now
}

// backoffLeft is how long new pods must still wait: the failures since the
// last success decide the delay, counted from the last failure.
func backoffLeft(job *batchv1.Job, pods []*corev1.Pod, now time.Time) time.Duration {
	type finished struct {
		at     time.Time
		failed bool
	}
	var fin []finished
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			fin = append(fin, finished{finishTime(p, now), false})
		case isPodFailed(p, job):
			fin = append(fin, finished{finishTime(p, now), true})
		}
	}
	sort.SliceStable(fin, func(i, j int) bool { return fin[i].at.Before(fin[j].at) })
	failures := 0
	var last time.Time
	for _, f := range fin {
		if !f.failed {
			failures = 0
			continue
		}
		failures++
		last = f.at
	}
	if failures == 0 {
		return 0
	}
	return max(0, last.Add(backoffDelay(failures)).Sub(now))
}
