package storage

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestUpdateStartsFromCache: an update starts from the watch cache's
// entry when the cache has reached the key's last write, and from etcd
// when this process wrote the key after the entry the cache holds.
func TestUpdateStartsFromCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	created := mustCreate(t, e.pods, pod("ns", "a", map[string]string{"v": "1"}))
	if _, err := e.pods.waitForRev(ctx, rvOf(t, created)); err != nil {
		t.Fatal(err)
	}
	key, _ := e.pods.key("ns", "a")
	st, err := e.pods.startState(ctx, key, rvOf(t, created))
	if err != nil || st.current || st.entry == nil || st.modRev != rvOf(t, created) {
		t.Fatalf("startState with the cache at the last write = %+v, %v; want the cached entry", st, err)
	}
	if p := st.obj.(*corev1.Pod); p.Labels["v"] != "1" || p.ResourceVersion != created.ResourceVersion {
		t.Errorf("cached start object = %+v; want the created pod", p.ObjectMeta)
	}
	plain, err := e.pods.encode(created.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if !st.same(plain) {
		t.Error("same(encoding of the stored pod) = false on the cached state")
	}
	changed := created.DeepCopy()
	changed.Labels["v"] = "2"
	if plain, _ = e.pods.encode(changed); st.same(plain) {
		t.Error("same(encoding of a changed pod) = true on the cached state")
	}
	if st, err = e.pods.startState(ctx, key, rvOf(t, created)+1); err != nil || !st.current || st.entry != nil {
		t.Errorf("startState with a write the cache has not reached = %+v, %v; want etcd's state", st, err)
	}
}

// TestUpdateFromStaleCache: an update that starts from a cached entry
// older than etcd's object (another server wrote it, and the watch has not
// delivered the write yet) ends as one that started from etcd: an error
// of fn and an unchanged result are checked again on etcd's object, and a
// change loses the compare-and-swap and is made again on etcd's object.
func TestUpdateFromStaleCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	key, _ := e.pods.key("ns", "a")
	v1 := mustCreate(t, e.pods, pod("ns", "a", map[string]string{"v": "1"}))
	if _, err := e.pods.waitForRev(ctx, rvOf(t, v1)); err != nil {
		t.Fatal(err)
	}
	stale, _ := e.pods.cache.get(key)
	setLabel := func(k, v string) func(runtime.Object) (runtime.Object, error) {
		return func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels[k] = v
			return p, nil
		}
	}
	v2, err := e.pods.Update(ctx, "ns", "a", setLabel("v", "2"))
	if err != nil {
		t.Fatal(err)
	}
	// The cache goes back to v1, as if the write to v2 were not yet
	// delivered.
	makeStale := func() {
		t.Helper()
		if _, err := e.pods.waitForRev(ctx, rvOf(t, v2)); err != nil {
			t.Fatal(err)
		}
		e.pods.cache.mu.Lock()
		e.pods.cache.items[key] = stale
		e.pods.cache.mu.Unlock()
	}

	makeStale()
	errV1 := errors.New("v is 1")
	got, err := e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
		if cur.(*corev1.Pod).Labels["v"] != "2" {
			return nil, errV1
		}
		return cur, nil
	})
	if err != nil || rvOf(t, got) != rvOf(t, v2) {
		t.Errorf("update refusing the stale object: %v, %v; want it done on etcd's object (unchanged, rv %d)", got, err, rvOf(t, v2))
	}

	makeStale()
	got, err = e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Labels = map[string]string{"v": "1"} // what the stale object has
		return p, nil
	})
	if err != nil || got.(*corev1.Pod).Labels["v"] != "1" || rvOf(t, got) == rvOf(t, v2) {
		t.Errorf("update to what the stale object holds: %v, %v; want it written over etcd's v2", got, err)
	}

	v3 := got
	if _, err := e.pods.waitForRev(ctx, rvOf(t, v3)); err != nil {
		t.Fatal(err)
	}
	stale, _ = e.pods.cache.get(key)
	v4, err := e.pods.Update(ctx, "ns", "a", setLabel("v", "4"))
	if err != nil {
		t.Fatal(err)
	}
	v2 = v4 // makeStale waits for it
	makeStale()
	got, err = e.pods.Update(ctx, "ns", "a", setLabel("x", "1"))
	if p, _ := got.(*corev1.Pod); err != nil || p.Labels["v"] != "4" || p.Labels["x"] != "1" {
		t.Errorf("change on the stale object: %v, %v; want it made again on etcd's (v=4, x=1)", got, err)
	}
}
