package garbagecollector

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func ref(uid string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: uid, UID: types.UID(uid), BlockOwnerDeletion: &block}
}

func TestJudge(t *testing.T) {
	a, b := ref("a", true), ref("b", false)
	unblockedA := ref("a", false)
	tests := []struct {
		name          string
		owners        []metav1.OwnerReference
		states        []ownerState
		hasDependents bool
		want          verdict
	}{
		{name: "all owners alive", owners: []metav1.OwnerReference{a, b}, states: []ownerState{ownerAlive, ownerAlive}},
		{name: "only owner gone", owners: []metav1.OwnerReference{a}, states: []ownerState{ownerGone},
			want: verdict{delete: true, policy: metav1.DeletePropagationBackground}},
		{name: "all owners gone", owners: []metav1.OwnerReference{a, b}, states: []ownerState{ownerGone, ownerGone},
			want: verdict{delete: true, policy: metav1.DeletePropagationBackground}},
		{name: "owner waiting, no dependents of its own", owners: []metav1.OwnerReference{a}, states: []ownerState{ownerWaiting},
			want: verdict{delete: true, policy: metav1.DeletePropagationBackground}},
		{name: "owner waiting, dependents of its own cascade in the foreground", owners: []metav1.OwnerReference{a},
			states: []ownerState{ownerWaiting}, hasDependents: true, want: verdict{delete: true, policy: metav1.DeletePropagationForeground}},
		{name: "one gone, one alive: drop the dangling reference", owners: []metav1.OwnerReference{a, b},
			states: []ownerState{ownerAlive, ownerGone}, want: verdict{patch: true, owners: []metav1.OwnerReference{a}}},
		{name: "one waiting, one alive: unblock the waiting owner", owners: []metav1.OwnerReference{a, b},
			states: []ownerState{ownerWaiting, ownerAlive}, want: verdict{patch: true, owners: []metav1.OwnerReference{unblockedA, b}}},
		{name: "waiting owner already unblocked, one alive: nothing to do", owners: []metav1.OwnerReference{b, a},
			states: []ownerState{ownerWaiting, ownerAlive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(tt.owners, tt.states, tt.hasDependents)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("judge(%v, %v, %v) = %+v; want %+v", tt.owners, tt.states, tt.hasDependents, got, tt.want)
			}
		})
	}
}

func TestBlockingAndWithoutOwner(t *testing.T) {
	owner := node{uid: "a"}
	tests := []struct {
		name         string
		dep          node
		wantBlocking bool
		wantOwners   []metav1.OwnerReference
	}{
		{name: "blocking reference", dep: node{owners: []metav1.OwnerReference{ref("a", true), ref("b", true)}},
			wantBlocking: true, wantOwners: []metav1.OwnerReference{ref("b", true)}},
		{name: "non-blocking reference", dep: node{owners: []metav1.OwnerReference{ref("a", false)}}},
		{name: "blocks another owner only", dep: node{owners: []metav1.OwnerReference{ref("b", true)}},
			wantOwners: []metav1.OwnerReference{ref("b", true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := blocking(tt.dep, owner); got != tt.wantBlocking {
				t.Errorf("blocking(%v) = %v; want %v", tt.dep.owners, got, tt.wantBlocking)
			}
			if got := withoutOwner(tt.dep.owners, owner); !reflect.DeepEqual(got, tt.wantOwners) {
				t.Errorf("withoutOwner(%v) = %v; want %v", tt.dep.owners, got, tt.wantOwners)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	g := newGraph()
	g.upsert(node{uid: "d1", owners: []metav1.OwnerReference{ref("o", true)}})
	g.upsert(node{uid: "d2", owners: []metav1.OwnerReference{ref("o", false), ref("p", false)}})
	if got := len(g.dependentsOf("o")); got != 2 {
		t.Errorf("dependentsOf(o) = %d nodes; want 2", got)
	}
	// Moving d2 away from o unlinks it.
	g.upsert(node{uid: "d2", owners: []metav1.OwnerReference{ref("p", false)}})
	if got := len(g.dependentsOf("o")); got != 1 {
		t.Errorf("after update, dependentsOf(o) = %d nodes; want 1", got)
	}
	g.remove("d1")
	if got := g.dependentUIDs("o"); len(got) != 0 {
		t.Errorf("after remove, dependentUIDs(o) = %v; want none", got)
	}
	if got := g.dependentUIDs("p"); len(got) != 1 {
		t.Errorf("dependentUIDs(p) = %v; want [d2]", got)
	}
}

func TestWatchable(t *testing.T) {
	all := []string{"list", "watch", "delete", "get"}
	lists := []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: all},
			{Name: "pods/status", Kind: "Pod", Namespaced: true, Verbs: []string{"get"}},
			{Name: "events", Kind: "Event", Namespaced: true, Verbs: all},
			{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}},
			{Name: "nodes", Kind: "Node", Verbs: all},
		}},
	}
	watch, kinds := watchable(lists)
	wantWatch := []schema.GroupVersionResource{{Version: "v1", Resource: "pods"}, {Version: "v1", Resource: "nodes"}}
	if !reflect.DeepEqual(watch, wantWatch) {
		t.Errorf("watchable() watch = %v; want %v", watch, wantWatch)
	}
	if m := kinds[schema.GroupVersionKind{Version: "v1", Kind: "Node"}]; m.gvr.Resource != "nodes" || m.namespaced {
		t.Errorf("kinds[Node] = %+v; want nodes, cluster-scoped", m)
	}
	if m := kinds[schema.GroupVersionKind{Version: "v1", Kind: "Pod"}]; m.gvr.Resource != "pods" || !m.namespaced {
		t.Errorf("kinds[Pod] = %+v; want pods, namespaced", m)
	}
}
