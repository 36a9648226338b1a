package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// setNode moves pod ns/name to node (storage allows it; the API does not
// once a pod is bound).
func setNode(t *testing.T, r *Resource, ns, name, node string) {
	t.Helper()
	_, err := r.Update(context.Background(), ns, name, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Spec.NodeName = node
		return p, nil
	})
	if err != nil {
		t.Fatalf("Update(%s/%s) error = %v", ns, name, err)
	}
}

// TestWatchIndexedByNode: pods' watchers are indexed by the spec.nodeName
// their field selector requires (ResourceConfig.WatchIndex). Each watcher
// must see what its selector alone would give it: a pod bound to or moved
// onto its node as ADDED, moved off it or deleted as DELETED, and nothing of
// other nodes; watchers that require no one node see every change they
// match. The uncached mode, which has no index, must give the same.
func TestWatchIndexedByNode(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		sel := func(s string) fields.Selector {
			f, err := fields.ParseSelector(s)
			if err != nil {
				t.Fatalf("ParseSelector(%q) error = %v", s, err)
			}
			return f
		}
		watchers := []struct {
			name  string
			opts  WatchOptions
			want  []string
			watch watch.Interface
		}{
			{name: "node a", opts: WatchOptions{Field: sel("spec.nodeName=a")},
				want: []string{"ADDED ns/p1", "DELETED ns/p1", "ADDED ns/p2", "ADDED ns/p3"}},
			{name: "node b", opts: WatchOptions{Field: sel("spec.nodeName=b")},
				want: []string{"ADDED ns/p1", "DELETED ns/p1"}},
			{name: "node a, name p2", opts: WatchOptions{Field: sel("metadata.name=p2,spec.nodeName==a")},
				want: []string{"ADDED ns/p2"}},
			{name: "node a, label", opts: WatchOptions{Field: sel("spec.nodeName=a"), Label: labels.SelectorFromSet(labels.Set{"app": "web"})},
				want: []string{"ADDED ns/p3"}},
			{name: "unbound", opts: WatchOptions{Field: sel("spec.nodeName=")},
				want: []string{"ADDED ns/p1", "DELETED ns/p1"}},
			{name: "not node a", opts: WatchOptions{Field: sel("spec.nodeName!=a")},
				want: []string{"ADDED ns/p1", "DELETED ns/p1", "ADDED ns/p1", "DELETED ns/p1"}},
			{name: "all", opts: WatchOptions{},
				want: []string{"ADDED ns/p1", "MODIFIED ns/p1", "MODIFIED ns/p1", "ADDED ns/p2", "DELETED ns/p1", "ADDED ns/p3"}},
		}
		for i := range watchers {
			opts := watchers[i].opts
			opts.ResourceVersion = "0"
			w, err := e.pods.Watch(ctx, "", opts)
			if err != nil {
				t.Fatalf("Watch(%s) error = %v", watchers[i].name, err)
			}
			defer w.Stop()
			watchers[i].watch = w
		}
		mustCreate(t, e.pods, pod("ns", "p1", nil)) // unbound
		setNode(t, e.pods, "ns", "p1", "a")         // bound to a
		setNode(t, e.pods, "ns", "p1", "b")         // moved to b
		p2 := pod("ns", "p2", nil)
		p2.Spec.NodeName = "a"
		mustCreate(t, e.pods, p2)
		if _, err := e.pods.Delete(ctx, "ns", "p1", nil); err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		p3 := pod("ns", "p3", map[string]string{"app": "web"})
		p3.Spec.NodeName = "a"
		mustCreate(t, e.pods, p3)
		for _, w := range watchers {
			var got []string
			for range w.want {
				got = append(got, eventSummary(nextEvent(t, w.watch)))
			}
			if !reflect.DeepEqual(got, w.want) {
				t.Errorf("%s: events = %v; want %v", w.name, got, w.want)
			}
		}
		// Nothing more may come: every event was dispatched before the
		// "all" watcher's last one.
		for _, w := range watchers {
			select {
			case ev := <-w.watch.ResultChan():
				t.Errorf("%s: extra event %s", w.name, eventSummary(ev))
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// TestWatchIndexForgetsStoppedWatchers: a stopped indexed watcher leaves
// its index bucket, and an empty bucket goes, so an index does not grow
// with the kubelets that ever watched.
func TestWatchIndexForgetsStoppedWatchers(t *testing.T) {
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	var ws []watch.Interface
	for _, s := range []string{"spec.nodeName=a", "spec.nodeName=a", "spec.nodeName=b", "spec.nodeName!=a"} {
		f, _ := fields.ParseSelector(s)
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", Field: f})
		if err != nil {
			t.Fatalf("Watch(%s) error = %v", s, err)
		}
		ws = append(ws, w)
	}
	c := e.pods.cache
	sizes := func() (int, int, int) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.watchers), len(c.unindexed), len(c.byIndex)
	}
	if all, un, buckets := sizes(); all != 4 || un != 1 || buckets != 2 {
		t.Fatalf("watchers, unindexed, buckets = %d, %d, %d; want 4, 1, 2", all, un, buckets)
	}
	ws[0].Stop()
	ws[2].Stop()
	if all, un, buckets := sizes(); all != 2 || un != 1 || buckets != 1 {
		t.Fatalf("after two stops: watchers, unindexed, buckets = %d, %d, %d; want 2, 1, 1", all, un, buckets)
	}
	ws[1].Stop()
	ws[3].Stop()
	if all, un, buckets := sizes(); all != 0 || un != 0 || buckets != 0 {
		t.Fatalf("after all stops: watchers, unindexed, buckets = %d, %d, %d; want 0", all, un, buckets)
	}
}
