package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/skiff-dev/skiff/internal/runtime/sim"
)

// newJob is a Job whose pods exit with code after the delay on hollow
// nodes (see package sim); an empty after keeps them running.
func newJob(name string, completions, parallelism *int32, after string, code int) *batchv1.Job {
	ann := map[string]string{}
	if after != "" {
		ann[sim.ExitAfterAnnotation] = after
		ann[sim.ExitCodeAnnotation] = fmt.Sprint(code)
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Completions: completions, Parallelism: parallelism,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Annotations: ann},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}

func createJob(t *testing.T, ns string, j *batchv1.Job) {
	t.Helper()
	if _, err := cs.BatchV1().Jobs(ns).Create(context.Background(), j, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create job %s: %v", j.Name, err)
	}
}

func hasJobCondition(j *batchv1.Job, ct batchv1.JobConditionType, reason string) bool {
	return slices.ContainsFunc(j.Status.Conditions, func(c batchv1.JobCondition) bool {
		return c.Type == ct && c.Status == corev1.ConditionTrue && (reason == "" || c.Reason == reason)
	})
}

// waitJobCondition waits for a True condition of type ct with reason and
// returns the Job.
func waitJobCondition(t *testing.T, ns, name string, ct batchv1.JobConditionType, reason string) *batchv1.Job {
	t.Helper()
	var j *batchv1.Job
	eventually(t, fmt.Sprintf("job %s %s %s", name, ct, reason), func(ctx context.Context) (bool, string, error) {
		var err error
		if j, err = cs.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		return hasJobCondition(j, ct, reason), fmt.Sprintf("status %+v", j.Status), nil
	})
	return j
}

func jobPods(t *testing.T, ns, name string) []corev1.Pod {
	t.Helper()
	list, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// eventReasons lists the reasons of the events about object name.
func eventReasons(ctx context.Context, ns, name string) ([]string, error) {
	list, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String()})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason)
	}
	return out, nil
}

func waitEvents(t *testing.T, ns, name string, reasons ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("events %v of %s", reasons, name), func(ctx context.Context) (bool, string, error) {
		got, err := eventReasons(ctx, ns, name)
		if err != nil {
			return false, "", err
		}
		for _, r := range reasons {
			if !slices.Contains(got, r) {
				return false, fmt.Sprintf("events %v", got), nil
			}
		}
		return true, "", nil
	})
}

// TestJobCompletions: 4 completions, 2 at a time, complete with the
// interim SuccessCriteriaMet and the final Complete condition, counted
// through the tracking finalizer.
func TestJobCompletions(t *testing.T) {
	startHollowNodes(t, "job-c-", 2)
	ns := newNamespace(t, "job-completions")
	createJob(t, ns, newJob("pi", ptr.To[int32](4), ptr.To[int32](2), "200ms", 0))
	eventually(t, "at most 2 active", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "pi", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		if j.Status.Active > 2 {
			t.Fatalf("active = %d; want at most parallelism 2", j.Status.Active)
		}
		return j.Status.Active > 0 || j.Status.Succeeded > 0, fmt.Sprintf("status %+v", j.Status), nil
	})
	j := waitJobCondition(t, ns, "pi", batchv1.JobComplete, batchv1.JobReasonCompletionsReached)
	if !hasJobCondition(j, batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached) {
		t.Errorf("conditions %+v; want SuccessCriteriaMet too", j.Status.Conditions)
	}
	if j.Status.Succeeded != 4 || j.Status.Failed != 0 || j.Status.Active != 0 || j.Status.CompletionTime == nil || j.Status.StartTime == nil {
		t.Errorf("status = %+v; want 4 succeeded, none failed or active, start and completion times", j.Status)
	}
	if u := j.Status.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		t.Errorf("uncountedTerminatedPods = %+v; want empty", u)
	}
	for _, p := range jobPods(t, ns, "pi") {
		if slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
			t.Errorf("pod %s keeps the tracking finalizer (phase %s, deletionTimestamp %v, job status %+v)", p.Name, p.Status.Phase, p.DeletionTimestamp, j.Status)
		}
	}
	waitEvents(t, ns, "pi", "SuccessfulCreate", "Completed")
}

// TestJobBackoffLimit: with backoffLimit 0 the first failure fails the
// Job with BackoffLimitExceeded.
func TestJobBackoffLimit(t *testing.T) {
	startHollowNodes(t, "job-b-", 1)
	ns := newNamespace(t, "job-backoff")
	j := newJob("fail", nil, nil, "100ms", 1)
	j.Spec.BackoffLimit = ptr.To[int32](0)
	createJob(t, ns, j)
	j = waitJobCondition(t, ns, "fail", batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded)
	if !hasJobCondition(j, batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded) || j.Status.Failed != 1 || j.Status.CompletionTime != nil {
		t.Errorf("status = %+v; want FailureTarget, 1 failed, no completionTime", j.Status)
	}
	waitEvents(t, ns, "fail", batchv1.JobReasonBackoffLimitExceeded)
}

// TestJobPodFailurePolicy: exit code 42 matches a FailJob rule.
func TestJobPodFailurePolicy(t *testing.T) {
	startHollowNodes(t, "job-p-", 1)
	ns := newNamespace(t, "job-pfp")
	j := newJob("pfp", nil, nil, "100ms", 42)
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{7}}},
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
	}}
	createJob(t, ns, j)
	j = waitJobCondition(t, ns, "pfp", batchv1.JobFailed, batchv1.JobReasonPodFailurePolicy)
	c := j.Status.Conditions[slices.IndexFunc(j.Status.Conditions, func(c batchv1.JobCondition) bool { return c.Type == batchv1.JobFailed })]
	want := "Container c for pod " + ns + "/"
	if len(c.Message) < len(want) || c.Message[:len(want)] != want {
		t.Errorf("Failed message = %q; want it to start %q", c.Message, want)
	}
}

// TestJobIndexed: each pod gets its index (annotation, label, hostname,
// JOB_COMPLETION_INDEX) and completedIndexes covers them all.
func TestJobIndexed(t *testing.T) {
	startHollowNodes(t, "job-i-", 2)
	ns := newNamespace(t, "job-indexed")
	j := newJob("idx", ptr.To[int32](3), ptr.To[int32](3), "300ms", 0)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	createJob(t, ns, j)
	j = waitJobCondition(t, ns, "idx", batchv1.JobComplete, "")
	if j.Status.CompletedIndexes != "0-2" || j.Status.Succeeded != 3 {
		t.Errorf("completedIndexes %q succeeded %d; want 0-2 and 3", j.Status.CompletedIndexes, j.Status.Succeeded)
	}
	seen := map[string]bool{}
	for _, p := range jobPods(t, ns, "idx") {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		seen[ix] = true
		if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "idx-"+ix {
			t.Errorf("pod %s: label %q hostname %q; want index %s and idx-%s", p.Name, p.Labels[batchv1.JobCompletionIndexAnnotation], p.Spec.Hostname, ix, ix)
		}
		if !slices.ContainsFunc(p.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "JOB_COMPLETION_INDEX" }) {
			t.Errorf("pod %s has no JOB_COMPLETION_INDEX", p.Name)
		}
	}
	if len(seen) != 3 {
		t.Errorf("indexes %v; want 0, 1 and 2", seen)
	}
}

// TestJobSuspend: a suspended Job runs nothing and says so; resumed it
// runs; suspended again its pods go.
func TestJobSuspend(t *testing.T) {
	ctx := context.Background()
	startHollowNodes(t, "job-s-", 1)
	ns := newNamespace(t, "job-suspend")
	j := newJob("s", ptr.To[int32](2), ptr.To[int32](2), "", 0)
	j.Spec.Suspend = ptr.To(true)
	createJob(t, ns, j)
	waitJobCondition(t, ns, "s", batchv1.JobSuspended, "JobSuspended")
	if n := len(jobPods(t, ns, "s")); n != 0 {
		t.Errorf("suspended job has %d pods; want 0", n)
	}
	setSuspend := func(v bool) {
		patch := fmt.Sprintf(`{"spec":{"suspend":%v}}`, v)
		if _, err := cs.BatchV1().Jobs(ns).Patch(ctx, "s", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setSuspend(false)
	eventually(t, "2 active after resume", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "s", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return j.Status.Active == 2 && j.Status.StartTime != nil, fmt.Sprintf("status %+v", j.Status), nil
	})
	setSuspend(true)
	eventually(t, "no pods after suspend", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "s", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		n := len(jobPods(t, ns, "s"))
		return n == 0 && j.Status.Active == 0 && hasJobCondition(j, batchv1.JobSuspended, "JobSuspended") && j.Status.Failed == 0,
			fmt.Sprintf("%d pods, status %+v", n, j.Status), nil
	})
	waitEvents(t, ns, "s", "Suspended", "Resumed", "SuccessfulDelete")
}

// TestJobActiveDeadline: pods that outlive activeDeadlineSeconds are
// deleted and the Job fails with DeadlineExceeded.
func TestJobActiveDeadline(t *testing.T) {
	startHollowNodes(t, "job-d-", 1)
	ns := newNamespace(t, "job-deadline")
	j := newJob("slow", nil, nil, "", 0)
	j.Spec.ActiveDeadlineSeconds = ptr.To[int64](1)
	createJob(t, ns, j)
	j = waitJobCondition(t, ns, "slow", batchv1.JobFailed, batchv1.JobReasonDeadlineExceeded)
	if j.Status.Active != 0 {
		t.Errorf("active = %d after the deadline; want 0", j.Status.Active)
	}
	waitEvents(t, ns, "slow", batchv1.JobReasonDeadlineExceeded)
}

// TestJobTTLAfterFinished: a finished Job with ttlSecondsAfterFinished 0
// is deleted.
func TestJobTTLAfterFinished(t *testing.T) {
	startHollowNodes(t, "job-t-", 1)
	ns := newNamespace(t, "job-ttl")
	j := newJob("ttl", nil, nil, "100ms", 0)
	j.Spec.TTLSecondsAfterFinished = ptr.To[int32](0)
	createJob(t, ns, j)
	eventually(t, "job deleted", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "ttl", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, fmt.Sprintf("status %+v", j.Status), nil
	})
}

// TestJobDeleteFreesPods: deleting a running Job deletes its pods, whose
// tracking finalizer the orphan cleanup removes, so none is left behind.
func TestJobDeleteFreesPods(t *testing.T) {
	ctx := context.Background()
	startHollowNodes(t, "job-x-", 1)
	ns := newNamespace(t, "job-delete")
	createJob(t, ns, newJob("gone", ptr.To[int32](2), ptr.To[int32](2), "", 0))
	eventually(t, "2 active", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "gone", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return j.Status.Active == 2, fmt.Sprintf("status %+v", j.Status), nil
	})
	policy := metav1.DeletePropagationBackground
	if err := cs.BatchV1().Jobs(ns).Delete(ctx, "gone", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no pods left", func(ctx context.Context) (bool, string, error) {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var left []string
		for _, p := range list.Items {
			left = append(left, fmt.Sprintf("%s%v", p.Name, p.Finalizers))
		}
		return len(left) == 0, fmt.Sprintf("pods %v", left), nil
	})
}

// TestJobOnFailureRestarts: with restartPolicy OnFailure and backoffLimit
// 1, container restarts reaching the limit fail the Job.
func TestJobOnFailureRestarts(t *testing.T) {
	startHollowNodes(t, "job-o-", 1)
	ns := newNamespace(t, "job-onfailure")
	j := newJob("flaky", nil, nil, "50ms", 3)
	j.Spec.BackoffLimit = ptr.To[int32](1)
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	createJob(t, ns, j)
	waitJobCondition(t, ns, "flaky", batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded)
}

// TestJobFailedIndex: with backoffLimitPerIndex 0 the failure of index 1
// fails that index only; index 0 still completes, and the Job fails with
// FailedIndexes, reporting both index lists.
func TestJobFailedIndex(t *testing.T) {
	agent := startHollowNodes(t, "job-f-", 1)
	ns := newNamespace(t, "job-failedindex")
	j := newJob("ix", ptr.To[int32](2), ptr.To[int32](2), "", 0)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](0)
	createJob(t, ns, j)
	byIndex := map[string]corev1.Pod{}
	eventually(t, "2 running pods", func(ctx context.Context) (bool, string, error) {
		n := 0
		for _, p := range jobPods(t, ns, "ix") {
			if p.Status.Phase == corev1.PodRunning {
				byIndex[p.Annotations[batchv1.JobCompletionIndexAnnotation]] = p
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d running", n), nil
	})
	crash := func(ix string, code int32) {
		p := byIndex[ix]
		if err := agent.Runtime(p.Spec.NodeName).Crash(ns, p.Name, "c", code); err != nil {
			t.Fatalf("crash index %s: %v", ix, err)
		}
	}
	crash("1", 1)
	crash("0", 0)
	j = waitJobCondition(t, ns, "ix", batchv1.JobFailed, batchv1.JobReasonFailedIndexes)
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != "1" || j.Status.CompletedIndexes != "0" || j.Status.Failed != 1 || j.Status.Succeeded != 1 {
		t.Errorf("status = %+v; want failedIndexes 1, completedIndexes 0, 1 failed, 1 succeeded", j.Status)
	}
}
