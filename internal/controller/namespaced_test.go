package controller

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func namespaceIndexer(t *testing.T, objs ...any) cache.Indexer {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, o := range objs {
		if err := idx.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return idx
}

// TestSelectingOwners: an orphan pod maps to the objects of its namespace
// whose selector matches its labels; an empty selector, one that does not
// parse, another namespace's and another kind's match nothing.
func TestSelectingOwners(t *testing.T) {
	sel := func(m map[string]string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: m} }
	set := func(ns, name string, s *metav1.LabelSelector) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: appsv1.StatefulSetSpec{Selector: s}}
	}
	idx := namespaceIndexer(t,
		set("a", "web", sel(map[string]string{"app": "web"})),
		set("a", "all", sel(nil)),
		set("a", "bad", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Sometimes"}}}),
		set("a", "db", sel(map[string]string{"app": "db"})),
		set("a", "web2", sel(map[string]string{"app": "web"})),
		set("b", "web", sel(map[string]string{"app": "web"})),
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "job"}, Spec: batchv1.JobSpec{Selector: sel(map[string]string{"app": "web"})}},
	)
	selector := func(s *appsv1.StatefulSet) *metav1.LabelSelector { return s.Spec.Selector }
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p", Labels: map[string]string{"app": "web"}}}
	got := SelectingOwners(idx, pod, selector)
	slices.SortFunc(got, func(x, y Request) int { return strings.Compare(x.Name, y.Name) })
	if want := []Request{{Namespace: "a", Name: "web"}, {Namespace: "a", Name: "web2"}}; !slices.Equal(got, want) {
		t.Errorf("SelectingOwners(pod in a) = %v; want %v", got, want)
	}
	pod.Namespace = "c"
	if got := SelectingOwners(idx, pod, selector); len(got) != 0 {
		t.Errorf("SelectingOwners(pod in a namespace without sets) = %v; want none", got)
	}
}
