package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// TestPackPlacesMessagesTogether: pack copies the messages of a cache's
// entries and history side by side into shared blocks, keeps which
// entries are one (items, list, an event's cur and prev), and leaves the
// entries and events it replaced as they were for readers holding them.
func TestPackPlacesMessagesTogether(t *testing.T) {
	defer func(b int) { packBatch = b }(packBatch)
	packBatch = 1 // a batch per entry and per event
	c := newCache(100, "")
	ent := func(name string, rev int64, lbl ...string) *entry {
		return &entry{key: "/pods/ns/" + name, rev: rev, msg: []byte(fmt.Sprintf("%s@%d", name, rev)), labels: attrs(lbl)}
	}
	a1, b1 := ent("a", 1, "app", "x"), ent("b", 2, "app", "x")
	a3 := ent("a", 3, "app", "x") // same labels: the event keeps a3 as prev
	b4 := ent("b", 4, "app", "y") // moved labels: the event keeps b1 as prev
	c.apply(&event{typ: watch.Added, rev: 1, cur: a1})
	c.apply(&event{typ: watch.Added, rev: 2, cur: b1})
	c.apply(&event{typ: watch.Modified, rev: 3, cur: a3, prev: a1})
	c.apply(&event{typ: watch.Modified, rev: 4, cur: b4, prev: b1})
	c.mu.Lock()
	oldEvents := c.eventsAfterLocked(0)
	c.mu.Unlock()

	if n := c.pack(); n != 4 {
		t.Errorf("pack() = %d; want 4 (a1, b1, a3, b4)", n)
	}
	if n := c.pack(); n != 0 {
		t.Errorf("pack() again with no change = %d; want 0 (nothing copied)", n)
	}

	c.mu.Lock()
	evs := c.eventsAfterLocked(0)
	a, b := c.items["/pods/ns/a"], c.items["/pods/ns/b"]
	list := slices.Clone(c.list)
	c.mu.Unlock()
	if a == a3 || b == b4 {
		t.Fatal("pack kept the items' entries; want packed copies")
	}
	if string(a.msg) != "a@3" || string(b.msg) != "b@4" || a.rev != 3 || !slices.Equal(b.labels, b4.labels) {
		t.Errorf("packed items are %q rev %d and %q %v; want a@3 rev 3 and b@4 [app y]", a.msg, a.rev, b.msg, b.labels)
	}
	if len(list) != 2 || list[0] != a || list[1] != b {
		t.Errorf("the sorted list holds other entries than the items")
	}
	if evs[2].cur != a || evs[2].prev != a {
		t.Errorf("the same-labels event's cur and prev are no longer the item's one entry")
	}
	if evs[3].cur != b || evs[3].prev == b || string(evs[3].prev.msg) != "b@2" {
		t.Errorf("the label change's prev is %q; want a packed copy of b@2 apart from the item", evs[3].prev.msg)
	}
	if evs[0].cur == a1 || string(evs[0].cur.msg) != "a@1" {
		t.Errorf("the history's first event holds %q (replaced: %v); want a packed copy of a@1", evs[0].cur.msg, evs[0].cur != a1)
	}
	for i, ev := range oldEvents {
		if ev == evs[i] {
			t.Errorf("event %d was changed in place; want a new event", i)
		}
	}
	if string(a3.msg) != "a@3" || oldEvents[3].prev != b1 {
		t.Error("pack changed an entry or event a reader may still hold")
	}
	// The four copies lie side by side in one block, and none can grow
	// into the next.
	packed := [][]byte{a.msg, b.msg, evs[0].cur.msg, evs[3].prev.msg}
	addr := func(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
	slices.SortFunc(packed, func(x, y []byte) int { return cmp.Compare(addr(x), addr(y)) })
	for i, m := range packed {
		if cap(m) != len(m) {
			t.Errorf("copy %q has room to grow (cap %d) over the next", m, cap(m))
		}
		if i > 0 && addr(m) != addr(packed[i-1])+uintptr(len(packed[i-1])) {
			t.Errorf("copies %q and %q are not side by side", packed[i-1], m)
		}
	}

	// A change since makes the next pack copy again.
	c.apply(&event{typ: watch.Added, rev: 5, cur: ent("c", 5)})
	if n := c.pack(); n != 5 {
		t.Errorf("pack() after a change = %d; want 5", n)
	}
}

// TestPackKeepsWhatIsServed: after Store.Pack the cache serves the same
// gets, lists and watches (from a past revision too), and a watch opened
// before it goes on.
func TestPackKeepsWhatIsServed(t *testing.T) {
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	r := e.pods
	var first int64
	for i := range 40 {
		p := mustCreate(t, r, pod("ns", fmt.Sprintf("p%02d", i), map[string]string{"app": "a"}))
		if i == 0 {
			first = rvOf(t, p) - 1
		}
	}
	for i := range 20 {
		_, err := r.Update(ctx, "ns", fmt.Sprintf("p%02d", i), func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod).DeepCopy()
			if i%2 == 0 {
				p.Labels["app"] = "b"
			} else {
				p.Status.Message = "changed"
			}
			return p, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	last, err := r.Delete(ctx, "ns", "p39", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.waitForRev(ctx, rvOf(t, last)); err != nil {
		t.Fatal(err)
	}
	running, err := r.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Stop()
	for range 39 {
		nextEvent(t, running)
	}

	served := func() []string {
		var out []string
		res, err := r.List(ctx, "ns", ListOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Len() {
			msg, _ := res.Protobuf(i)
			out = append(out, fmt.Sprintf("list %x", msg))
		}
		msg, err := r.GetProtobuf(ctx, "ns", "p01", "0")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("get %x", msg.Bytes()))
		sel := labels.SelectorFromSet(labels.Set{"app": "a"})
		w, err := r.Watch(ctx, "ns", WatchOptions{ResourceVersion: fmt.Sprint(first), Label: sel, Protobuf: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		// 40 creates, 10 label changes out of app=a, 10 status changes, 1 delete.
		for range 61 {
			ev := nextEvent(t, w)
			out = append(out, fmt.Sprintf("watch %s %x", ev.Type, ev.Object.(*Message).Bytes))
		}
		return out
	}
	before := served()
	if n := e.store.Pack(); n < 39 {
		t.Errorf("Pack() = %d; want at least the 39 pods", n)
	}
	after := served()
	if !slices.Equal(before, after) {
		for i := range min(len(before), len(after)) {
			if before[i] != after[i] {
				t.Fatalf("after Pack the %dth answer is\n%s\nwant\n%s", i, after[i], before[i])
			}
		}
		t.Fatalf("after Pack %d answers; want %d", len(after), len(before))
	}

	mustCreate(t, r, pod("ns", "after-pack", nil))
	ev := nextEvent(t, running)
	if got := eventSummary(ev); got != "ADDED ns/after-pack" {
		t.Errorf("the watch opened before Pack then sees %s; want ADDED ns/after-pack", got)
	}
}

// BenchmarkPack packs a cache of 10,000 entries of 2 KiB messages whose
// history holds an event for each, as the pods cache of the 10,000-pod
// row does once quiet.
func BenchmarkPack(b *testing.B) {
	c := newCache(10000, "")
	msg := make([]byte, 2048)
	for i := range 10000 {
		c.apply(&event{typ: watch.Added, rev: int64(i + 1), cur: &entry{key: fmt.Sprintf("/pods/ns/p%05d", i), rev: int64(i + 1), msg: slices.Clone(msg)}})
	}
	b.ReportAllocs()
	for b.Loop() {
		c.unpacked = true // as after a change, so that each loop packs
		c.pack()
	}
}

// TestPackWhileServing packs the cache over and over while pods are
// written, listed and watched: the watcher sees every change in order and
// the lists decode (run it with -race).
func TestPackWhileServing(t *testing.T) {
	defer func(b int) { packBatch = b }(packBatch)
	packBatch = 7 // writes come between the batches
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	r := e.pods
	w, err := r.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	const n = 100
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			e.store.Pack()
			time.Sleep(time.Millisecond)
		}
	}()
	listErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				listErr <- nil
				return
			default:
			}
			res, err := r.List(ctx, "ns", ListOptions{ResourceVersion: "0"})
			if err == nil {
				for i, o := range res.Objects() {
					if p, ok := o.(*corev1.Pod); !ok || p.Labels["app"] != "a" {
						err = fmt.Errorf("item %d decoded as %#v", i, o)
					}
				}
			}
			if err != nil {
				listErr <- err
				return
			}
		}
	}()
	for i := range n {
		mustCreate(t, r, pod("ns", fmt.Sprintf("p%03d", i), map[string]string{"app": "a"}))
		_, err := r.Update(ctx, "ns", fmt.Sprintf("p%03d", i), func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod).DeepCopy()
			p.Status.Message = "updated"
			return p, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	for i := range 2 * n {
		ev := nextEvent(t, w)
		p := ev.Object.(*corev1.Pod)
		want := fmt.Sprintf("ADDED ns/p%03d", i/2)
		if i%2 == 1 {
			want = fmt.Sprintf("MODIFIED ns/p%03d", i/2)
		}
		if got := eventSummary(ev); got != want {
			t.Fatalf("event %d is %s; want %s", i, got, want)
		}
		if rv := rvOf(t, p); rv <= last {
			t.Fatalf("event %d has resourceVersion %d after %d", i, rv, last)
		} else {
			last = rv
		}
	}
	close(done)
	wg.Wait()
	if err := <-listErr; err != nil {
		t.Fatal(err)
	}
	res, err := r.List(ctx, "ns", ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	objs := res.Objects()
	if len(objs) != n {
		t.Fatalf("list after the writes holds %d pods; want %d", len(objs), n)
	}
	for _, o := range objs {
		if p := o.(*corev1.Pod); p.Status.Message != "updated" {
			t.Errorf("pod %s has message %q; want updated", p.Name, p.Status.Message)
		}
	}
}
