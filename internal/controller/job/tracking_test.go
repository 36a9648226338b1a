package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestMoveUncounted(t *testing.T) {
	st := batchv1.JobStatus{Succeeded: 2, Failed: 1, UncountedTerminatedPods: &batchv1.UncountedTerminatedPods{
		Succeeded: []types.UID{"a", "b"}, Failed: []types.UID{"c", "d"}}}
	// b and d still hold the finalizer: they stay uncounted.
	moveUncounted(&st, map[string]bool{"b": true, "d": true})
	u := st.UncountedTerminatedPods
	if st.Succeeded != 3 || st.Failed != 2 || !slices.Equal(u.Succeeded, []types.UID{"b"}) || !slices.Equal(u.Failed, []types.UID{"d"}) {
		t.Errorf("after moveUncounted: succeeded %d failed %d uncounted %+v; want 3, 2, [b] [d]", st.Succeeded, st.Failed, *u)
	}
}

// TestCollectFinished: which pods lose the finalizer in a pass and how
// they are counted.
func TestCollectFinished(t *testing.T) {
	pod := func(uid string, phase corev1.PodPhase, fin bool) *corev1.Pod {
		p := exited(phase, 0, t0)
		if phase == corev1.PodFailed {
			p.Status.ContainerStatuses[0].State.Terminated.ExitCode = 1
		}
		if phase == corev1.PodRunning {
			p.Status.ContainerStatuses = nil
		}
		p.UID = types.UID(uid)
		if fin {
			p.Finalizers = []string{batchv1.JobTrackingFinalizer}
		}
		return p
	}
	tests := []struct {
		name               string
		finished           *batchv1.JobCondition
		pods               []*corev1.Pod
		wantRemove         []string
		wantOK, wantFailed []types.UID
	}{
		{name: "running pods keep the finalizer", pods: []*corev1.Pod{pod("r", corev1.PodRunning, true)}},
		{name: "finished pods are counted once", pods: []*corev1.Pod{pod("s", corev1.PodSucceeded, true), pod("f", corev1.PodFailed, true),
			pod("old", corev1.PodSucceeded, false)}, wantRemove: []string{"s", "f"}, wantOK: []types.UID{"s"}, wantFailed: []types.UID{"f"}},
		{name: "a failed Job counts running pods as failed", finished: newCondition(batchv1.JobFailed, "DeadlineExceeded", "", t0),
			pods: []*corev1.Pod{pod("r", corev1.PodRunning, true)}, wantRemove: []string{"r"}, wantFailed: []types.UID{"r"}},
		{name: "a complete Job does not count running pods", finished: newCondition(batchv1.JobComplete, "CompletionsReached", "", t0),
			pods: []*corev1.Pod{pod("r", corev1.PodRunning, true)}, wantRemove: []string{"r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobSpec(nil, nil)
			j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
			s := &syncState{job: j, pods: tt.pods, finished: tt.finished, uncountedOK: map[string]bool{}, uncountedFail: map[string]bool{}, removing: map[string]bool{}}
			rm, _ := s.collectFinished()
			var got []string
			for _, p := range rm {
				got = append(got, string(p.UID))
			}
			u := j.Status.UncountedTerminatedPods
			if !slices.Equal(got, tt.wantRemove) || !slices.Equal(u.Succeeded, tt.wantOK) || !slices.Equal(u.Failed, tt.wantFailed) {
				t.Errorf("collectFinished removes %v, uncounted %v/%v; want %v, %v/%v", got, u.Succeeded, u.Failed, tt.wantRemove, tt.wantOK, tt.wantFailed)
			}
		})
	}
}

func TestEnactFinished(t *testing.T) {
	tests := []struct {
		name      string
		uncounted []types.UID
		terminate int32
		want      bool
	}{
		{name: "all counted", want: true},
		{name: "uncounted pods wait", uncounted: []types.UID{"x"}},
		{name: "terminating pods wait", terminate: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobSpec(nil, nil)
			j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Failed: tt.uncounted}
			s := &syncState{job: j, now: t0, terminate: tt.terminate, finished: newCondition(batchv1.JobComplete, "CompletionsReached", "m", t0)}
			got := s.enactFinished(j)
			if got != tt.want || (finishedCondition(j) != nil) != tt.want || (j.Status.CompletionTime != nil) != tt.want {
				t.Errorf("enactFinished = %v, conditions %+v; want %v", got, j.Status.Conditions, tt.want)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	done := func(ttl *int32, ct batchv1.JobConditionType) *batchv1.Job {
		j := jobSpec(nil, nil)
		j.Spec.TTLSecondsAfterFinished = ttl
		if ct != "" {
			j.Status.Conditions = []batchv1.JobCondition{*newCondition(ct, "", "", t0)}
		}
		return j
	}
	deleting := done(ptr.To[int32](10), batchv1.JobComplete)
	deleting.DeletionTimestamp = ptr.To(metav1.NewTime(t0))
	tests := []struct {
		name   string
		job    *batchv1.Job
		want   time.Time
		wantOK bool
	}{
		{name: "no ttl", job: done(nil, batchv1.JobComplete)},
		{name: "not finished", job: done(ptr.To[int32](10), "")},
		{name: "complete", job: done(ptr.To[int32](10), batchv1.JobComplete), want: t0.Add(10 * time.Second), wantOK: true},
		{name: "failed, ttl 0", job: done(ptr.To[int32](0), batchv1.JobFailed), want: t0, wantOK: true},
		{name: "being deleted", job: deleting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := expiry(tt.job)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("expiry = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestStatusSeenHoldsStaleCaches(t *testing.T) {
	e := newExpectations(time.Now)
	if !e.statusSeen("ns/j", "5") {
		t.Fatal("a Job with no status write of ours is held back")
	}
	e.statusWritten("ns/j", "10")
	if e.statusSeen("ns/j", "9") {
		t.Fatal("a cache older than our status write is not held back")
	}
	if !e.statusSeen("ns/j", "12") {
		t.Fatal("a cache newer than our status write is held back")
	}
	if !e.statusSeen("ns/j", "9") {
		t.Fatal("once seen, the write holds nothing back")
	}
	e.statusWritten("ns/j", "20")
	e.forget("ns/j")
	if !e.statusSeen("ns/j", "1") {
		t.Fatal("a forgotten Job is held back")
	}
	e.statusWritten("ns/j", "") // fake clients return no resourceVersion
	if !e.statusSeen("ns/j", "") {
		t.Fatal("an unparseable resourceVersion holds the Job back")
	}
}
