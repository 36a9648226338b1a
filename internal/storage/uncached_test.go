package storage

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// newUncachedEnv is newEnv with pods served from etcd.
func newUncachedEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	rc := podConfig()
	rc.Uncached = true
	e := newEnvWith(t, "", cfg, rc)
	if e.pods.cache != nil {
		t.Fatalf("an Uncached resource has a watch cache")
	}
	return e
}

// TestUncachedWatchCompacted: a watch from a compacted revision ends with
// an ERROR event carrying 410 Expired, as upstream's etcd watcher sends,
// and its channel closes.
func TestUncachedWatchCompacted(t *testing.T) {
	ctx := context.Background()
	e := newUncachedEnv(t, Config{})
	first := mustCreate(t, e.pods, pod("ns", "a", nil))
	mustCreate(t, e.pods, pod("ns", "b", nil))
	last := mustCreate(t, e.pods, pod("ns", "c", nil))
	if _, err := e.store.compact(ctx, 0, rvOf(t, last)); err != nil {
		t.Fatalf("compact() error = %v", err)
	}
	w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: strconv.FormatInt(rvOf(t, first), 10)})
	if err != nil {
		t.Fatalf("Watch() error = %v", err)
	}
	defer w.Stop()
	ev := nextEvent(t, w)
	st, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok || st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
		t.Fatalf("event = %s %#v; want ERROR with a 410 Expired Status", ev.Type, ev.Object)
	}
	select {
	case ev, open := <-w.ResultChan():
		if open {
			t.Errorf("event after the ERROR: %s", eventSummary(ev))
		}
	case <-time.After(10 * time.Second):
		t.Errorf("channel still open 10s after the ERROR event")
	}
}

// TestUncachedWatchOnlyNew: sendInitialEvents=false starts at etcd's
// current revision and sends only later changes.
func TestUncachedWatchOnlyNew(t *testing.T) {
	ctx := context.Background()
	e := newUncachedEnv(t, Config{})
	mustCreate(t, e.pods, pod("ns", "old", nil))
	no := false
	for _, rv := range []string{"", "0"} {
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: rv, SendInitialEvents: &no})
		if err != nil {
			t.Fatalf("Watch(rv=%q) error = %v", rv, err)
		}
		name := "new" + rv
		mustCreate(t, e.pods, pod("ns", name, nil))
		if got := eventSummary(nextEvent(t, w)); got != "ADDED ns/"+name {
			t.Errorf("Watch(rv=%q) first event = %s; want ADDED ns/%s", rv, got, name)
		}
		w.Stop()
	}
}

// TestUncachedReads: counts come from etcd; a read at a revision etcd has
// not reached fails at once with upstream's Timeout; writes leave no
// hints, which only a reflector would take.
func TestUncachedReads(t *testing.T) {
	ctx := context.Background()
	e := newUncachedEnv(t, Config{})
	for i := range 3 {
		mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%d", i), nil))
	}
	if _, err := e.pods.Delete(ctx, "ns", "p0", nil); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	if got := e.pods.Count(); got != 2 {
		t.Errorf("Count() = %d; want 2", got)
	}
	if len(e.pods.hints.m) != 0 {
		t.Errorf("writes left %d hints; want none", len(e.pods.hints.m))
	}
	rev, err := e.store.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision() error = %v", err)
	}
	future := strconv.FormatUint(rev+100, 10)
	start := time.Now()
	if _, err := e.pods.Get(ctx, "ns", "p1", future); !apierrors.IsTimeout(err) {
		t.Errorf("Get(rv=%s) error = %v; want Timeout (too large resource version)", future, err)
	}
	if _, err := e.pods.GetProtobuf(ctx, "ns", "p1", future); !apierrors.IsTimeout(err) {
		t.Errorf("GetProtobuf(rv=%s) error = %v; want Timeout", future, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("too-large reads took %v; want an answer without waiting", d)
	}
	msg, err := e.pods.GetProtobuf(ctx, "ns", "p1", "0")
	if err != nil || msg.Len() == 0 {
		t.Errorf("GetProtobuf(rv=0) = %d bytes, %v; want the message", msg.Len(), err)
	}
	if _, err := e.pods.GetShared(ctx, "ns", "p0"); !apierrors.IsNotFound(err) {
		t.Errorf("GetShared(deleted) error = %v; want NotFound", err)
	}
}

// TestUncachedCountWhenEtcdIsGone: a count etcd cannot answer is -1.
func TestUncachedCountWhenEtcdIsGone(t *testing.T) {
	e := newUncachedEnv(t, Config{})
	e.etcd.Close()
	if got := e.pods.Count(); got != -1 {
		t.Errorf("Count() with etcd stopped = %d; want -1", got)
	}
}
