package statefulset

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// TestMatching: an orphan pod maps to the StatefulSets of its namespace
// whose selector matches its labels; an empty selector matches nothing.
func TestMatching(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	set := func(ns, name string, sel map[string]string) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: sel}}}
	}
	for _, s := range []*appsv1.StatefulSet{
		set("a", "web", map[string]string{"app": "web"}),
		set("a", "all", nil),
		set("a", "db", map[string]string{"app": "db"}),
		set("b", "web", map[string]string{"app": "web"}),
	} {
		if err := idx.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	r := &Reconciler{setIdx: idx}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p", Labels: map[string]string{"app": "web"}}}
	if got, want := r.matching(pod), []controller.Request{{Namespace: "a", Name: "web"}}; !slices.Equal(got, want) {
		t.Errorf("matching(pod in a) = %v; want %v", got, want)
	}
	pod.Namespace = "c"
	if got := r.matching(pod); len(got) != 0 {
		t.Errorf("matching(pod in a namespace without sets) = %v; want none", got)
	}
}
