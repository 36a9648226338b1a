package job

import (
	"slices"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func indexedPod(ix int, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p" + strconv.Itoa(ix),
		Annotations: map[string]string{batchv1.JobCompletionIndexAnnotation: strconv.Itoa(ix)}}, Status: corev1.PodStatus{Phase: phase}}
}

func TestIndexesRoundTrip(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []int
		out   string
	}{
		{in: "", limit: 5, out: ""},
		{in: "0", limit: 5, want: []int{0}, out: "0"},
		{in: "0-2,4", limit: 5, want: []int{0, 1, 2, 4}, out: "0-2,4"},
		{in: "1,2,3,7", limit: 10, want: []int{1, 2, 3, 7}, out: "1-3,7"},
		{in: "3-6", limit: 5, want: []int{3, 4}, out: "3-4"},
		{in: "x,2", limit: 5, want: []int{2}, out: "2"},
	}
	for _, tt := range tests {
		got := parseIndexes(tt.in, tt.limit)
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseIndexes(%q, %d) = %v; want %v", tt.in, tt.limit, got, tt.want)
		}
		if s := formatIndexes(got); s != tt.out {
			t.Errorf("formatIndexes(%v) = %q; want %q", got, s, tt.out)
		}
	}
}

func TestPendingIndexes(t *testing.T) {
	tests := []struct {
		name              string
		completions, n    int
		succeeded, failed []int
		active            []*corev1.Pod
		want              []int
	}{
		{name: "fresh", completions: 5, n: 2, want: []int{0, 1}},
		{name: "skips succeeded, failed and running", completions: 5, n: 3, succeeded: []int{0}, failed: []int{2},
			active: []*corev1.Pod{indexedPod(1, corev1.PodRunning)}, want: []int{3, 4}},
		{name: "nothing left", completions: 2, n: 2, succeeded: []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pendingIndexes(tt.completions, tt.n, tt.succeeded, tt.failed, tt.active); !slices.Equal(got, tt.want) {
				t.Errorf("pendingIndexes = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestSurplusIndexed(t *testing.T) {
	j := jobSpec(ptr.To[int32](3), ptr.To[int32](3))
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	noIx := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "none"}}
	dup1, dup2 := indexedPod(1, corev1.PodRunning), indexedPod(1, corev1.PodPending)
	dup2.Name = "p1b"
	out := indexedPod(7, corev1.PodRunning)
	done := indexedPod(0, corev1.PodRunning)
	got := surplusIndexed(j, []*corev1.Pod{noIx, dup1, dup2, out, done, indexedPod(2, corev1.PodRunning)}, []int{0}, nil)
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	want := []string{"none", "p1b", "p7", "p0"}
	if !slices.Equal(names, want) {
		t.Errorf("surplusIndexed = %v; want %v", names, want)
	}
}

func TestWithIndex(t *testing.T) {
	j := jobSpec(ptr.To[int32](3), nil)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.Template.Spec.Containers = []corev1.Container{{Name: "a"}, {Name: "b", Env: []corev1.EnvVar{{Name: completionIndexEnv, Value: "mine"}}}}
	p := newPod(j, 2, nil)
	if p.Annotations[batchv1.JobCompletionIndexAnnotation] != "2" || p.Labels[batchv1.JobCompletionIndexAnnotation] != "2" {
		t.Errorf("annotations %v labels %v; want index 2", p.Annotations, p.Labels)
	}
	if p.Spec.Hostname != "j-2" || p.GenerateName != "j-2-" {
		t.Errorf("hostname %q generateName %q; want j-2 and j-2-", p.Spec.Hostname, p.GenerateName)
	}
	if e := p.Spec.Containers[0].Env; len(e) != 1 || e[0].ValueFrom == nil || e[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("container a env = %+v; want JOB_COMPLETION_INDEX from the annotation", e)
	}
	if e := p.Spec.Containers[1].Env; len(e) != 1 || e[0].Value != "mine" {
		t.Errorf("container b env = %+v; want its own value kept", e)
	}
	if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
		t.Errorf("finalizers %v; want the tracking finalizer", p.Finalizers)
	}
}

// TestIndexStates: failure counts travel on the annotations; Ignore rules
// count separately; FailIndex fails the index at once.
func TestIndexStates(t *testing.T) {
	j := jobSpec(ptr.To[int32](4), ptr.To[int32](4))
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{7}}},
		{Action: batchv1.PodFailurePolicyActionFailIndex, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{9}}},
	}}
	failedWith := func(ix int, code int32, prior string) *corev1.Pod {
		p := exited(corev1.PodFailed, code, t0)
		p.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: strconv.Itoa(ix), batchv1.JobIndexFailureCountAnnotation: prior}
		return p
	}
	pods := []*corev1.Pod{
		failedWith(0, 1, "0"),                        // index 0: one failure, within the limit
		failedWith(1, 1, "0"), failedWith(1, 1, "1"), // index 1: two failures, over the limit
		failedWith(2, 7, "0"), // index 2: ignored
		failedWith(3, 9, "0"), // index 3: FailIndex
	}
	st := indexStates(j, pods, t0)
	if st[0].failures != 1 || st[1].failures != 2 || st[2].failures != 0 || st[2].ignored != 1 || !st[3].failIndex {
		t.Errorf("states 0:%+v 1:%+v 2:%+v 3:%+v; want 1 failure, 2 failures, 1 ignored, FailIndex", *st[0], *st[1], *st[2], *st[3])
	}
	if got := failedIndexes(j, st); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("failedIndexes = %v; want [1 3]", got)
	}
	ready, wait := readyIndexes([]int{0, 2}, st, t0.Add(4*time.Second))
	if !slices.Equal(ready, []int{2}) || wait != 6*time.Second {
		t.Errorf("readyIndexes = %v, %v; want [2], 6s", ready, wait)
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	tests := []struct {
		name      string
		rules     []batchv1.SuccessPolicyRule
		succeeded []int
		want      bool
	}{
		{name: "indexes all done", rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0-1")}}, succeeded: []int{0, 1}, want: true},
		{name: "indexes partly done", rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0-2")}}, succeeded: []int{0, 1}},
		{name: "count within indexes", rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0-3"), SucceededCount: ptr.To[int32](2)}}, succeeded: []int{1, 3}, want: true},
		{name: "count alone", rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptr.To[int32](3)}}, succeeded: []int{4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := matchSuccessPolicy(&batchv1.SuccessPolicy{Rules: tt.rules}, 6, tt.succeeded); got != tt.want {
				t.Errorf("matchSuccessPolicy(%v) = %v; want %v", tt.succeeded, got, tt.want)
			}
		})
	}
}
