package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func jobSpec(completions, parallelism *int32) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "ns"},
		Spec: batchv1.JobSpec{Completions: completions, Parallelism: parallelism, BackoffLimit: ptr.To[int32](6)}}
}

// exited is a pod whose container c exited with code at finished.
func exited(phase corev1.PodPhase, code int32, finished time.Time) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Phase: phase,
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, FinishedAt: metav1.NewTime(finished)}}}}}}
}

func TestWantActive(t *testing.T) {
	tests := []struct {
		name                     string
		completions, parallelism *int32
		succeeded, active, want  int32
	}{
		{name: "parallelism caps remaining", completions: ptr.To[int32](10), parallelism: ptr.To[int32](3), want: 3},
		{name: "remaining caps parallelism", completions: ptr.To[int32](5), parallelism: ptr.To[int32](3), succeeded: 4, want: 1},
		{name: "all done", completions: ptr.To[int32](5), parallelism: ptr.To[int32](3), succeeded: 5},
		{name: "over-succeeded is zero", completions: ptr.To[int32](2), parallelism: ptr.To[int32](3), succeeded: 3},
		{name: "work queue before a success", parallelism: ptr.To[int32](4), want: 4},
		{name: "work queue after a success keeps what runs", parallelism: ptr.To[int32](4), succeeded: 1, active: 2, want: 2},
		{name: "parallelism zero", completions: ptr.To[int32](3), parallelism: ptr.To[int32](0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wantActive(jobSpec(tt.completions, tt.parallelism), tt.succeeded, tt.active); got != tt.want {
				t.Errorf("wantActive(succeeded %d, active %d) = %d; want %d", tt.succeeded, tt.active, got, tt.want)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {6, 320 * time.Second}, {7, 10 * time.Minute}, {50, 10 * time.Minute}}
	for _, tt := range tests {
		if got := backoffDelay(tt.failures); got != tt.want {
			t.Errorf("backoffDelay(%d) = %v; want %v", tt.failures, got, tt.want)
		}
	}
}

func TestBackoffLeft(t *testing.T) {
	tests := []struct {
		name string
		pods []*corev1.Pod
		now  time.Time
		want time.Duration
	}{
		{name: "no failures", pods: []*corev1.Pod{exited(corev1.PodSucceeded, 0, t0)}, now: t0},
		{name: "one failure just now", pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0)}, now: t0, want: 10 * time.Second},
		{name: "one failure 4s ago", pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0)}, now: t0.Add(4 * time.Second), want: 6 * time.Second},
		{name: "two failures double", pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0), exited(corev1.PodFailed, 1, t0.Add(time.Second))},
			now: t0.Add(time.Second), want: 20 * time.Second},
		{name: "a success resets", pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0), exited(corev1.PodSucceeded, 0, t0.Add(time.Second)),
			exited(corev1.PodFailed, 1, t0.Add(2*time.Second))}, now: t0.Add(2 * time.Second), want: 10 * time.Second},
		{name: "back-off passed", pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0)}, now: t0.Add(time.Minute)},
		{name: "running pods do not count", pods: []*corev1.Pod{{Status: corev1.PodStatus{Phase: corev1.PodRunning}}}, now: t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoffLeft(jobSpec(nil, nil), tt.pods, tt.now); got != tt.want {
				t.Errorf("backoffLeft = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestIsPodFailed(t *testing.T) {
	deleted := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: ptr.To(metav1.NewTime(t0))}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	failedOnly := jobSpec(nil, nil)
	failedOnly.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
	tests := []struct {
		name string
		pod  *corev1.Pod
		job  *batchv1.Job
		want bool
	}{
		{name: "phase failed", pod: exited(corev1.PodFailed, 1, t0), job: jobSpec(nil, nil), want: true},
		{name: "succeeded", pod: exited(corev1.PodSucceeded, 0, t0), job: jobSpec(nil, nil)},
		{name: "deleted while running counts", pod: deleted, job: jobSpec(nil, nil), want: true},
		{name: "deleted while running, replace only failed", pod: deleted, job: failedOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isPodFailed(tt.pod, tt.job); got != tt.want {
				t.Errorf("isPodFailed = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestPastBackoffLimitOnFailure(t *testing.T) {
	restarted := func(n int32) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{RestartCount: n}}}}
	}
	tests := []struct {
		name   string
		policy corev1.RestartPolicy
		limit  int32
		pods   []*corev1.Pod
		want   bool
	}{
		{name: "never ignores restarts", policy: corev1.RestartPolicyNever, limit: 1, pods: []*corev1.Pod{restarted(5)}},
		{name: "below the limit", policy: corev1.RestartPolicyOnFailure, limit: 3, pods: []*corev1.Pod{restarted(2)}},
		{name: "reaching the limit", policy: corev1.RestartPolicyOnFailure, limit: 3, pods: []*corev1.Pod{restarted(1), restarted(2)}, want: true},
		{name: "limit zero, one restart", policy: corev1.RestartPolicyOnFailure, pods: []*corev1.Pod{restarted(1)}, want: true},
		{name: "limit zero, no restart", policy: corev1.RestartPolicyOnFailure, pods: []*corev1.Pod{restarted(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobSpec(nil, nil)
			j.Spec.BackoffLimit = &tt.limit
			j.Spec.Template.Spec.RestartPolicy = tt.policy
			if got := pastBackoffLimitOnFailure(j, tt.pods); got != tt.want {
				t.Errorf("pastBackoffLimitOnFailure = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestFailure covers when a Job has failed and with which reason.
func TestFailure(t *testing.T) {
	pfp := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}}}}
	tests := []struct {
		name       string
		mutate     func(j *batchv1.Job)
		failed     int32
		pods       []*corev1.Pod
		now        time.Time
		wantType   batchv1.JobConditionType
		wantReason string
		wantWait   time.Duration
	}{
		{name: "healthy", failed: 6, now: t0},
		{name: "backoff limit exceeded", failed: 7, now: t0, wantType: batchv1.JobFailureTarget, wantReason: batchv1.JobReasonBackoffLimitExceeded},
		{name: "deadline passed", now: t0.Add(time.Minute), mutate: func(j *batchv1.Job) {
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
		}, wantType: batchv1.JobFailureTarget, wantReason: batchv1.JobReasonDeadlineExceeded},
		{name: "deadline ahead requeues", now: t0.Add(20 * time.Second), mutate: func(j *batchv1.Job) {
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
		}, wantWait: 40 * time.Second},
		{name: "suspended ignores the deadline", now: t0.Add(time.Hour), mutate: func(j *batchv1.Job) {
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
			j.Spec.Suspend = ptr.To(true)
		}},
		{name: "FailJob rule", now: t0, pods: []*corev1.Pod{exited(corev1.PodFailed, 42, t0)}, mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = pfp
		}, wantType: batchv1.JobFailureTarget, wantReason: batchv1.JobReasonPodFailurePolicy},
		{name: "FailJob rule not matched", now: t0, pods: []*corev1.Pod{exited(corev1.PodFailed, 1, t0)}, mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = pfp
		}},
		{name: "FailureTarget turns Failed", now: t0, mutate: func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{*newCondition(batchv1.JobFailureTarget, "DeadlineExceeded", "m", t0)}
		}, wantType: batchv1.JobFailed, wantReason: batchv1.JobReasonDeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobSpec(nil, nil)
			j.Status.StartTime = ptr.To(metav1.NewTime(t0))
			if tt.mutate != nil {
				tt.mutate(j)
			}
			s := &syncState{job: j, now: tt.now, failed: tt.failed, pods: tt.pods}
			c := failure(s)
			var gotType batchv1.JobConditionType
			var gotReason string
			if c != nil {
				gotType, gotReason = c.Type, c.Reason
			}
			if gotType != tt.wantType || gotReason != tt.wantReason || s.requeue != tt.wantWait {
				t.Errorf("failure() = %q %q, requeue %v; want %q %q, requeue %v", gotType, gotReason, s.requeue, tt.wantType, tt.wantReason, tt.wantWait)
			}
		})
	}
}

func TestFailedIndexesDecision(t *testing.T) {
	tests := []struct {
		name             string
		failedIdx, okIdx []int
		maxFailed        *int32
		wantReason       string
	}{
		{name: "no failed index", okIdx: []int{0, 1}},
		{name: "failed index, others pending", failedIdx: []int{1}},
		{name: "failed index, all others done", failedIdx: []int{1}, okIdx: []int{0, 2}, wantReason: batchv1.JobReasonFailedIndexes},
		{name: "max failed indexes exceeded", failedIdx: []int{0, 1}, maxFailed: ptr.To[int32](1), wantReason: batchv1.JobReasonMaxFailedIndexesExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobSpec(ptr.To[int32](3), ptr.To[int32](3))
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
			j.Spec.MaxFailedIndexes = tt.maxFailed
			failedIdx := tt.failedIdx
			if failedIdx == nil {
				failedIdx = []int{}
			}
			c := failure(&syncState{job: j, now: t0, failedIdx: failedIdx, succeededIdx: tt.okIdx})
			got := ""
			if c != nil {
				got = c.Reason
			}
			if got != tt.wantReason {
				t.Errorf("failure() reason = %q; want %q", got, tt.wantReason)
			}
		})
	}
}
