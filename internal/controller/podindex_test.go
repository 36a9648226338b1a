package controller

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

func TestPodsControlledBy(t *testing.T) {
	yes := true
	pod := func(ns, name string, owner types.UID, controller bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		if owner != "" {
			p.OwnerReferences = []metav1.OwnerReference{{UID: owner, Name: string(owner)}}
			if controller {
				p.OwnerReferences[0].Controller = &yes
			}
		}
		return p
	}
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{PodControllerIndex: podControllerKeys})
	for _, p := range []*corev1.Pod{
		pod("a", "mine-1", "rs-1", true), pod("a", "mine-2", "rs-1", true),
		pod("a", "other", "rs-2", true),
		pod("a", "orphan", "", false), pod("a", "owned-not-controlled", "gc-owner", false),
		pod("b", "orphan-elsewhere", "", false),
	} {
		if err := idx.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	names := func(orphans bool) []string {
		pods, err := PodsControlledBy(idx, "a", "rs-1", orphans)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range pods {
			out = append(out, p.Name)
		}
		slices.Sort(out)
		return out
	}
	if got, want := names(false), []string{"mine-1", "mine-2"}; !slices.Equal(got, want) {
		t.Errorf("controlled pods = %v; want %v", got, want)
	}
	if got, want := names(true), []string{"mine-1", "mine-2", "orphan", "owned-not-controlled"}; !slices.Equal(got, want) {
		t.Errorf("controlled and orphan pods = %v; want %v", got, want)
	}
}

// TestInNamespace: the objects of one namespace (or of all), through the
// namespace index or, without it, by filtering, and only of the type asked.
func TestInNamespace(t *testing.T) {
	svc := func(ns, name string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	for _, indexers := range []cache.Indexers{{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, {}} {
		idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, indexers)
		for _, s := range []*corev1.Service{svc("a", "x"), svc("b", "y"), svc("a", "z")} {
			if err := idx.Add(s); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		for _, s := range InNamespace[*corev1.Service](idx, "a") {
			names = append(names, s.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"x", "z"}) {
			t.Errorf("indexers %v: got %v, want [x z]", indexers, names)
		}
		if got := InNamespace[*corev1.Service](idx, "none"); len(got) != 0 {
			t.Errorf("indexers %v: empty namespace gave %v", indexers, got)
		}
		if got := InNamespace[*corev1.Service](idx, metav1.NamespaceAll); len(got) != 3 {
			t.Errorf("indexers %v: every namespace gave %d services; want 3", indexers, len(got))
		}
		if got := InNamespace[*corev1.Pod](idx, "a"); len(got) != 0 {
			t.Errorf("indexers %v: pods among services: %v", indexers, got)
		}
	}
}
