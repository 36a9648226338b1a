package controller

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// TestOwnedPodHandler: which events count against the owner's
// expectations, and whom each enqueues.
func TestOwnedPodHandler(t *testing.T) {
	owner := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
	isController := true
	podOf := func(kind, apiVersion string, deleting bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-0"}}
		if kind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, APIVersion: apiVersion, Name: "web", Controller: &isController}}
		}
		if deleting {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	owned, deleting := podOf("StatefulSet", "apps/v1", false), podOf("StatefulSet", "apps/v1", true)
	orphan, deletingOrphan := podOf("", "", false), podOf("", "", true)
	other := podOf("ReplicaSet", "apps/v1", false)
	set := Request{Namespace: "ns", Name: "web"}
	matched := Request{Namespace: "ns", Name: "selecting"}

	tests := []struct {
		name       string
		event      func(h cache.ResourceEventHandler)
		want       []Request
		adds, dels int // pending for ns/web after the event; 1 and 1 before it
	}{
		{"an owned pod added", func(h cache.ResourceEventHandler) { h.OnAdd(owned, false) }, []Request{set}, 0, 1},
		{"a pod another kind owns added", func(h cache.ResourceEventHandler) { h.OnAdd(other, false) }, nil, 1, 1},
		{"an orphan added", func(h cache.ResourceEventHandler) { h.OnAdd(orphan, false) }, []Request{matched}, 1, 1},
		{"an orphan being deleted added", func(h cache.ResourceEventHandler) { h.OnAdd(deletingOrphan, false) }, nil, 1, 1},
		{"an owned pod's deletion starts", func(h cache.ResourceEventHandler) { h.OnUpdate(owned, deleting) }, []Request{set}, 1, 0},
		{"an owned pod changes otherwise", func(h cache.ResourceEventHandler) { h.OnUpdate(owned, owned) }, []Request{set}, 1, 1},
		{"an owned pod goes with no deletion seen", func(h cache.ResourceEventHandler) { h.OnDelete(owned) }, []Request{set}, 1, 0},
		{"an owned pod goes after its deletion was seen", func(h cache.ResourceEventHandler) { h.OnDelete(deleting) }, []Request{set}, 1, 1},
		{"an owned pod's tombstone", func(h cache.ResourceEventHandler) {
			h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/web-0", Obj: owned})
		}, []Request{set}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{Name: "test", Reconciler: Func(nil)})
			defer c.queue.ShutDown()
			exp := NewExpectations(time.Now)
			exp.Expect("ns/web", 1, 1)
			tt.event(c.OwnedPodHandler(owner, exp, func(metav1.Object) []Request { return []Request{matched} }))
			if got := drain(c); len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("enqueued %v; want %v", got, tt.want)
			}
			if x := exp.m["ns/web"]; x.adds != tt.adds || x.dels != tt.dels {
				t.Errorf("pending adds %d, dels %d; want %d, %d", x.adds, x.dels, tt.adds, tt.dels)
			}
		})
	}
}

// drain takes every request the controller's queue holds.
func drain(c *Controller) []Request {
	var got []Request
	for c.Len() > 0 {
		r, _ := c.queue.Get()
		got = append(got, r)
		c.queue.Done(r)
	}
	return got
}
