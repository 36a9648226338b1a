package storage

import (
	"context"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clocktesting "k8s.io/utils/clock/testing"
)

func setLabels(t *testing.T, r *Resource, ns, name string, lbls map[string]string) runtime.Object {
	t.Helper()
	out, err := r.Update(context.Background(), ns, name, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Labels = lbls
		return p, nil
	})
	if err != nil {
		t.Fatalf("Update(%s/%s) error = %v", ns, name, err)
	}
	return out
}

func TestWatchFromResourceVersion(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		a := mustCreate(t, e.pods, pod("ns", "a", nil))
		setLabels(t, e.pods, "ns", "a", map[string]string{"v": "2"})
		mustCreate(t, e.pods, pod("ns", "b", nil))
		if _, err := e.pods.Delete(ctx, "ns", "a", nil); err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		w, err := e.pods.Watch(ctx, "ns", WatchOptions{ResourceVersion: strconv.FormatInt(rvOf(t, a), 10)})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		mustCreate(t, e.pods, pod("ns", "c", nil))
		var got []string
		for range 4 {
			got = append(got, eventSummary(nextEvent(t, w)))
		}
		want := []string{"MODIFIED ns/a", "ADDED ns/b", "DELETED ns/a", "ADDED ns/c"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("events = %v; want %v", got, want)
		}
	})
}

func TestWatchDeletedCarriesDeletionRevision(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		mustCreate(t, e.pods, pod("ns", "a", nil))
		w, err := e.pods.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		if ev := nextEvent(t, w); ev.Type != watch.Added {
			t.Fatalf("first event = %s; want ADDED", eventSummary(ev))
		}
		del, err := e.pods.Delete(ctx, "ns", "a", nil)
		if err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		ev := nextEvent(t, w)
		if ev.Type != watch.Deleted || rvOf(t, ev.Object) != rvOf(t, del) {
			t.Errorf("event = %s at rv %d; want DELETED at %d", eventSummary(ev), rvOf(t, ev.Object), rvOf(t, del))
		}
	})
}

func TestWatchTooOldResourceVersion(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{EventHistory: 3})
	first := mustCreate(t, e.pods, pod("ns", "p0", nil))
	var last *corev1.Pod
	for i := 1; i < 10; i++ {
		last = mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%d", i), nil))
	}
	// Make sure the cache has seen every write.
	if _, err := e.pods.List(ctx, "", ListOptions{}); err != nil {
		t.Fatalf("List() error = %v", err)
	}
	tests := []struct {
		name    string
		rv      int64
		wantErr bool
	}{
		{name: "evicted from history", rv: rvOf(t, first), wantErr: true},
		{name: "still in history", rv: rvOf(t, last) - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: strconv.FormatInt(tt.rv, 10)})
			if tt.wantErr {
				if !apierrors.IsResourceExpired(err) {
					t.Errorf("Watch(rv=%d) error = %v; want 410 Expired", tt.rv, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Watch(rv=%d) error = %v", tt.rv, err)
			}
			defer w.Stop()
			if ev := nextEvent(t, w); eventSummary(ev) != "ADDED ns/p9" {
				t.Errorf("event = %s; want ADDED ns/p9", eventSummary(ev))
			}
		})
	}
}

func TestWatchSendInitialEvents(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		mustCreate(t, e.pods, pod("ns", "a", nil))
		mustCreate(t, e.pods, pod("ns", "b", nil))
		yes := true
		if _, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "5", SendInitialEvents: &yes}); !apierrors.IsBadRequest(err) {
			t.Errorf("Watch(rv=5, sendInitialEvents) error = %v; want BadRequest", err)
		}
		w, err := e.pods.Watch(ctx, "", WatchOptions{SendInitialEvents: &yes, AllowBookmarks: true})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		got := []string{eventSummary(nextEvent(t, w)), eventSummary(nextEvent(t, w))}
		if want := []string{"ADDED ns/a", "ADDED ns/b"}; !reflect.DeepEqual(got, want) {
			t.Errorf("initial events = %v; want %v", got, want)
		}
		ev := nextEvent(t, w)
		acc, err := meta.Accessor(ev.Object)
		if err != nil {
			t.Fatalf("meta.Accessor() error = %v", err)
		}
		if ev.Type != watch.Bookmark || acc.GetAnnotations()["k8s.io/initial-events-end"] != "true" || acc.GetResourceVersion() == "" {
			t.Errorf("event = %s %v rv %q; want BOOKMARK with initial-events-end and a resourceVersion",
				ev.Type, acc.GetAnnotations(), acc.GetResourceVersion())
		}
	})
}

// TestWatchPeriodicBookmarks: every BookmarkInterval a watch that allows
// bookmarks gets one (an uncached resource's from an etcd progress
// notification) at a revision no older than the last write it saw; one
// that does not allow them gets none.
func TestWatchPeriodicBookmarks(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakeClock(time.Now())
	forEachMode(t, Config{Clock: clk, BookmarkInterval: time.Minute}, func(t *testing.T, e *env) {
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", AllowBookmarks: true})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		plain, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer plain.Stop()
		p := mustCreate(t, e.pods, pod("ns", "a", nil))
		for _, w := range []watch.Interface{w, plain} {
			if ev := nextEvent(t, w); ev.Type != watch.Added {
				t.Fatalf("event = %s; want ADDED", eventSummary(ev))
			}
		}
		// Step until the bookmark ticker has been created and fires.
		for !clk.HasWaiters() {
			goruntime.Gosched()
		}
		clk.Step(time.Minute)
		ev := nextEvent(t, w)
		if ev.Type != watch.Bookmark || rvOf(t, ev.Object) < rvOf(t, p) {
			t.Errorf("event = %s at rv %d; want BOOKMARK at >= %d", ev.Type, rvOf(t, ev.Object), rvOf(t, p))
		}
		mustCreate(t, e.pods, pod("ns", "b", nil))
		if ev := nextEvent(t, plain); eventSummary(ev) != "ADDED ns/b" {
			t.Errorf("watch without bookmarks: event = %s; want ADDED ns/b (no BOOKMARK)", eventSummary(ev))
		}
	})
}

func TestWatchSelectorTransitions(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		w, err := e.pods.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0", Label: labels.SelectorFromSet(labels.Set{"app": "web"})})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		mustCreate(t, e.pods, pod("ns", "a", nil))                                 // not matching: nothing
		mustCreate(t, e.pods, pod("other", "x", map[string]string{"app": "web"}))  // other namespace: nothing
		setLabels(t, e.pods, "ns", "a", map[string]string{"app": "web"})           // starts matching: ADDED
		setLabels(t, e.pods, "ns", "a", map[string]string{"app": "web", "v": "2"}) // still matching: MODIFIED
		last := setLabels(t, e.pods, "ns", "a", map[string]string{"app": "db"})    // stops matching: DELETED
		if _, err := e.pods.Delete(ctx, "ns", "a", nil); err != nil {              // not matching: nothing
			t.Fatalf("Delete() error = %v", err)
		}
		mustCreate(t, e.pods, pod("ns", "b", map[string]string{"app": "web"})) // ADDED
		var got []string
		var deletedRV int64
		for range 4 {
			ev := nextEvent(t, w)
			got = append(got, eventSummary(ev))
			if ev.Type == watch.Deleted {
				deletedRV = rvOf(t, ev.Object)
				if l := ev.Object.(*corev1.Pod).Labels["app"]; l != "web" {
					t.Errorf("DELETED object label app = %q; want the last matching state (web)", l)
				}
			}
		}
		want := []string{"ADDED ns/a", "MODIFIED ns/a", "DELETED ns/a", "ADDED ns/b"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("events = %v; want %v", got, want)
		}
		if deletedRV != rvOf(t, last) {
			t.Errorf("DELETED resourceVersion = %d; want %d (the update that left the selector)", deletedRV, rvOf(t, last))
		}
	})
}

func TestWatchStopClosesChannel(t *testing.T) {
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		cancel()
		for range w.ResultChan() {
		}
		w.Stop() // idempotent after the context ended it
	})
}

func TestSlowWatcherIsTerminated(t *testing.T) {
	const backlog = 100
	e := newEnv(t, "", Config{WatchBacklog: backlog})
	ctx := context.Background()
	slow, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("Watch() error = %v", err)
	}
	defer slow.Stop()
	fast, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("Watch() error = %v", err)
	}
	defer fast.Stop()
	// The slow watcher holds watcherBuffer events in its channel, backlog
	// in its overflow, one in hand and resultBuffer converted.
	n := watcherBuffer + backlog + 1 + resultBuffer + 10
	done := make(chan int)
	go func() {
		count := 0
		for range fast.ResultChan() {
			count++
			if count == n {
				break
			}
		}
		done <- count
	}()
	for i := range n {
		mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%04d", i), nil))
	}
	if got := <-done; got != n {
		t.Errorf("fast watcher got %d events; want %d", got, n)
	}
	count := 0
	for range slow.ResultChan() {
		count++
	}
	if count >= n {
		t.Errorf("slow watcher got all %d events; want it terminated early", count)
	}
	if st, _ := e.pods.CacheStats(); st.Terminated != 1 {
		t.Errorf("CacheStats().Terminated = %d; want the slow watcher counted", st.Terminated)
	}
}

// TestSlowWatcherCatchesUp: a watcher that falls behind by more than its
// buffer, but less than its backlog, keeps its watch and gets every event
// in order once it reads again, bookmarks included only after the events
// before them.
func TestSlowWatcherCatchesUp(t *testing.T) {
	const backlog = 300
	e := newEnv(t, "", Config{WatchBacklog: backlog})
	ctx := context.Background()
	slow, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", AllowBookmarks: true})
	if err != nil {
		t.Fatalf("Watch() error = %v", err)
	}
	defer slow.Stop()
	n := watcherBuffer + backlog - 10
	var last string
	for i := range n {
		last = mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%04d", i), nil)).ResourceVersion
	}
	prev := int64(0)
	for i := range n {
		if i == 10 {
			// The channel has room and the overflow holds events: a
			// bookmark must not pass them.
			e.pods.cache.bookmark(func(rev int64) *event { return e.pods.bookmarkEvent(rev, false) })
		}
		ev, ok := <-slow.ResultChan()
		if !ok {
			t.Fatalf("watch closed after %d events; want %d", i, n)
		}
		if ev.Type != watch.Added {
			t.Fatalf("event %d is %s; want ADDED (a bookmark passed the events before it?)", i, ev.Type)
		}
		p := ev.Object.(*corev1.Pod)
		if want := fmt.Sprintf("p%04d", i); p.Name != want {
			t.Fatalf("event %d is %s; want %s", i, p.Name, want)
		}
		rv, _ := strconv.ParseInt(p.ResourceVersion, 10, 64)
		if rv <= prev {
			t.Fatalf("event %d at %d after %d", i, rv, prev)
		}
		prev = rv
	}
	if got := strconv.FormatInt(prev, 10); got != last {
		t.Errorf("last event at %s; want %s", got, last)
	}
	// Caught up: new events and bookmarks flow again.
	mustCreate(t, e.pods, pod("ns", "after", nil))
	if ev := <-slow.ResultChan(); ev.Object.(*corev1.Pod).Name != "after" {
		t.Errorf("event after catching up is %s; want after", ev.Object.(*corev1.Pod).Name)
	}
	e.pods.cache.bookmark(func(rev int64) *event { return e.pods.bookmarkEvent(rev, false) })
	if ev := <-slow.ResultChan(); ev.Type != watch.Bookmark {
		t.Errorf("event after a bookmark once caught up is %s; want BOOKMARK", ev.Type)
	}
	if st, _ := e.pods.CacheStats(); st.Terminated != 0 {
		t.Errorf("CacheStats().Terminated = %d; want 0", st.Terminated)
	}
}

// TestWatchProtobufMessages: a watch opened with Protobuf carries each
// object's protobuf message, resourceVersion included, and the same
// events as a decoding watch (selector transitions and deletions).
func TestWatchProtobufMessages(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		w, err := e.pods.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0", Protobuf: true, Label: labels.SelectorFromSet(labels.Set{"app": "web"})})
		if err != nil {
			t.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		created := mustCreate(t, e.pods, pod("ns", "a", map[string]string{"app": "web"}))
		left := setLabels(t, e.pods, "ns", "a", map[string]string{"app": "db"}) // leaves the selector
		mustCreate(t, e.pods, pod("ns", "b", map[string]string{"app": "web"}))
		deleted, err := e.pods.Delete(ctx, "ns", "b", nil)
		if err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		want := []struct {
			typ   watch.EventType
			name  string
			label string
			rv    int64 // 0: not checked
		}{
			{watch.Added, "a", "web", rvOf(t, created)},
			{watch.Deleted, "a", "web", rvOf(t, left)},
			{watch.Added, "b", "web", 0},
			{watch.Deleted, "b", "web", rvOf(t, deleted)},
		}
		for i, wt := range want {
			ev := nextEvent(t, w)
			m, ok := ev.Object.(*Message)
			if !ok {
				t.Fatalf("event %d carries %T; want *Message", i, ev.Object)
			}
			var p corev1.Pod
			if err := p.Unmarshal(m.Bytes); err != nil {
				t.Fatalf("event %d: message does not decode: %v", i, err)
			}
			if ev.Type != wt.typ || p.Name != wt.name || p.Labels["app"] != wt.label {
				t.Errorf("event %d = %s %s (app=%s); want %s %s (app=%s)", i, ev.Type, p.Name, p.Labels["app"], wt.typ, wt.name, wt.label)
			}
			if wt.rv != 0 && p.ResourceVersion != strconv.FormatInt(wt.rv, 10) {
				t.Errorf("event %d resourceVersion = %s; want %d", i, p.ResourceVersion, wt.rv)
			}
		}
	})
}
