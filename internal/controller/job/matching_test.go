package job

import (
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// TestMatching: an orphan pod maps to the Jobs of its namespace whose
// selector matches its labels; an empty selector matches nothing.
func TestMatching(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	job := func(ns, name string, sel map[string]string) *batchv1.Job {
		return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: batchv1.JobSpec{Selector: &metav1.LabelSelector{MatchLabels: sel}}}
	}
	for _, j := range []*batchv1.Job{
		job("a", "pi", map[string]string{"batch": "pi"}),
		job("a", "all", nil),
		job("b", "pi", map[string]string{"batch": "pi"}),
	} {
		if err := idx.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	r := &Reconciler{jobIdx: idx}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p", Labels: map[string]string{"batch": "pi"}}}
	if got, want := r.matching(pod), []controller.Request{{Namespace: "a", Name: "pi"}}; !slices.Equal(got, want) {
		t.Errorf("matching(pod in a) = %v; want %v", got, want)
	}
	pod.Namespace = "c"
	if got := r.matching(pod); len(got) != 0 {
		t.Errorf("matching(pod in a namespace without jobs) = %v; want none", got)
	}
}
