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

// TestWatchIndexedByNode: pods' watchers are filed by the spec.nodeName
// their field selector requires (ResourceConfig.WatchIndex), the others by
// the namespace and name they are limited to (watchindex.go). Each watcher
// must see what its namespace and selectors alone would give it: a pod
// bound to or moved onto its node as ADDED, moved off it or deleted as
// DELETED, and nothing of other nodes, namespaces or names. The uncached
// mode, which files nothing, must give the same.
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
			ns    string
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
				want: []string{"ADDED ns/p1", "DELETED ns/p1", "ADDED other/p2", "ADDED other/end"}},
			{name: "not node a", opts: WatchOptions{Field: sel("spec.nodeName!=a")},
				want: []string{"ADDED ns/p1", "DELETED ns/p1", "ADDED ns/p1", "DELETED ns/p1", "ADDED other/p2", "ADDED other/end"}},
			{name: "namespace ns", ns: "ns",
				want: []string{"ADDED ns/p1", "MODIFIED ns/p1", "MODIFIED ns/p1", "ADDED ns/p2", "DELETED ns/p1", "ADDED ns/p3"}},
			{name: "metadata.namespace=other", opts: WatchOptions{Field: sel("metadata.namespace=other")},
				want: []string{"ADDED other/p2", "ADDED other/end"}},
			{name: "name p2, any namespace", opts: WatchOptions{Field: sel("metadata.name=p2")},
				want: []string{"ADDED ns/p2", "ADDED other/p2"}},
			{name: "name p2 in ns", ns: "ns", opts: WatchOptions{Field: sel("metadata.name=p2")},
				want: []string{"ADDED ns/p2"}},
			{name: "name p1 in other", ns: "other", opts: WatchOptions{Field: sel("metadata.name=p1")}},
			{name: "all", opts: WatchOptions{},
				want: []string{"ADDED ns/p1", "MODIFIED ns/p1", "MODIFIED ns/p1", "ADDED ns/p2", "DELETED ns/p1", "ADDED ns/p3", "ADDED other/p2", "ADDED other/end"}},
		}
		for i := range watchers {
			opts := watchers[i].opts
			opts.ResourceVersion = "0"
			w, err := e.pods.Watch(ctx, watchers[i].ns, opts)
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
		mustCreate(t, e.pods, pod("other", "p2", nil))
		mustCreate(t, e.pods, pod("other", "end", nil))
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
		// "all" watcher's last one (watchers are checked in order).
		for _, w := range watchers {
			select {
			case ev := <-w.watch.ResultChan():
				t.Errorf("%s: extra event %s", w.name, eventSummary(ev))
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// TestWatchIndexForgetsStoppedWatchers: a stopped watcher leaves the set
// it was filed in, and an empty set goes, so the cache does not keep a key
// for every kubelet that ever watched.
func TestWatchIndexForgetsStoppedWatchers(t *testing.T) {
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	var ws []watch.Interface
	for _, s := range []string{"spec.nodeName=a", "spec.nodeName=a", "spec.nodeName=b", "spec.nodeName!=a", "metadata.name=x"} {
		f, _ := fields.ParseSelector(s)
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", Field: f})
		if err != nil {
			t.Fatalf("Watch(%s) error = %v", s, err)
		}
		ws = append(ws, w)
	}
	c := e.pods.cache
	sizes := func() (watchers, keys int) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.watchers), len(c.filed)
	}
	if n, k := sizes(); n != 5 || k != 4 {
		t.Fatalf("watchers, keys = %d, %d; want 5, 4 (node a, node b, any, name x)", n, k)
	}
	ws[0].Stop()
	ws[2].Stop()
	if n, k := sizes(); n != 3 || k != 3 {
		t.Fatalf("after two stops: watchers, keys = %d, %d; want 3, 3", n, k)
	}
	for _, w := range ws {
		w.Stop()
	}
	if n, k := sizes(); n != 0 || k != 0 {
		t.Fatalf("after all stops: watchers, keys = %d, %d; want 0, 0", n, k)
	}
}

// TestWatchKeys: where a cache files a watcher of pods (indexed by
// spec.nodeName), from its namespace and field selector.
func TestWatchKeys(t *testing.T) {
	c := newCache(10, "spec.nodeName")
	for _, tc := range []struct {
		ns, sel string
		want    watchKey
	}{
		{"", "", watchKey{}},
		{"ns", "", watchKey{ns: "ns"}},
		{"", "spec.nodeName=a", watchKey{indexed: true, value: "a"}},
		{"ns", "spec.nodeName=a,metadata.name=x", watchKey{indexed: true, value: "a"}},
		{"", "spec.nodeName=", watchKey{indexed: true, value: ""}},
		{"", "spec.nodeName!=a", watchKey{}},
		{"", "metadata.namespace=ns", watchKey{ns: "ns"}},
		{"ns", "metadata.namespace=other", watchKey{ns: "ns"}},
		{"", "metadata.name=x", watchKey{name: "x"}},
		{"ns", "metadata.name==x", watchKey{ns: "ns", name: "x"}},
		{"", "metadata.namespace=ns,metadata.name=x,status.phase=Running", watchKey{ns: "ns", name: "x"}},
		{"", "metadata.name!=x", watchKey{}},
	} {
		w := &watcher{ns: tc.ns}
		if tc.sel != "" {
			f, err := fields.ParseSelector(tc.sel)
			if err != nil {
				t.Fatalf("ParseSelector(%q) error = %v", tc.sel, err)
			}
			w.pred.field = f
		}
		if got := c.keyOf(w); got != tc.want {
			t.Errorf("keyOf(ns %q, %q) = %+v; want %+v", tc.ns, tc.sel, got, tc.want)
		}
	}
	if got := newCache(10, "").keyOf(&watcher{pred: predicate{field: fields.OneTermEqualSelector("spec.nodeName", "a")}}); got != (watchKey{}) {
		t.Errorf("without an index, keyOf(spec.nodeName=a) = %+v; want the cluster-wide key", got)
	}
}
