package storage

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

// TestHistoryGrows: the event ring starts small, grows as events come
// and keeps the last maxHistory of them once full, oldest first.
func TestHistoryGrows(t *testing.T) {
	const max = 1000
	c := newCache(max, "")
	if got := len(c.history); got != initialHistory {
		t.Fatalf("new ring has %d slots; want %d", got, initialHistory)
	}
	add := func(from, to int64) {
		for rev := from; rev <= to; rev++ {
			c.apply(&event{typ: watch.Added, rev: rev, cur: &entry{key: "k", rev: rev}})
		}
	}
	check := func(after, first, last int64) {
		t.Helper()
		c.mu.Lock()
		evs := c.eventsAfterLocked(after)
		c.mu.Unlock()
		if int64(len(evs)) != last-first+1 {
			t.Fatalf("events after %d: %d; want %d (%d..%d)", after, len(evs), last-first+1, first, last)
		}
		for i, ev := range evs {
			if ev.rev != first+int64(i) {
				t.Fatalf("event %d after %d has revision %d; want %d", i, after, ev.rev, first+int64(i))
			}
		}
	}
	add(1, 10)
	check(0, 1, 10)
	add(11, 300)
	if got := len(c.history); got != 512 {
		t.Errorf("ring after 300 events has %d slots; want 512", got)
	}
	check(0, 1, 300)
	check(150, 151, 300)
	add(301, 2500)
	if got := len(c.history); got != max {
		t.Errorf("ring after 2,500 events has %d slots; want %d", got, max)
	}
	check(0, 1501, 2500)
	if c.historyFrom != 1500 {
		t.Errorf("historyFrom = %d; want 1500", c.historyFrom)
	}
}

// TestHistoryKeepsPrevOnlyWhenItMatters: an event whose previous state has
// the same labels and fields keeps no previous state (cur stands in for
// it), and watchers still see an object leave their selector with its last
// matching state when a change moved its labels.
func TestHistoryKeepsPrevOnlyWhenItMatters(t *testing.T) {
	c := newCache(100, "")
	ent := func(rev int64, msg string, lbl ...string) *entry {
		return &entry{key: "/pods/ns/p", rev: rev, msg: []byte(msg), labels: attrs(lbl)}
	}
	v1 := ent(1, "v1", "app", "a")
	v2 := ent(2, "v2", "app", "a")
	v3 := ent(3, "v3", "app", "b")
	c.apply(&event{typ: watch.Added, rev: 1, cur: v1})
	c.apply(&event{typ: watch.Modified, rev: 2, cur: v2, prev: v1})
	c.apply(&event{typ: watch.Modified, rev: 3, cur: v3, prev: v2})
	c.mu.Lock()
	evs := c.eventsAfterLocked(0)
	c.mu.Unlock()
	if len(evs) != 3 {
		t.Fatalf("history holds %d events; want 3", len(evs))
	}
	if evs[1].prev != v2 {
		t.Errorf("a status-like change (same labels) keeps %q as its previous state; want the new state in its place", evs[1].prev.msg)
	}
	if evs[2].prev != v2 {
		t.Errorf("a label change keeps %v as its previous state; want v2", evs[2].prev)
	}

	sel, err := labels.Parse("app=a")
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{pred: predicate{label: sel}, protobuf: true}
	var got []string
	for _, ev := range evs {
		out, ok := w.convert(ev)
		if !ok {
			continue
		}
		got = append(got, string(out.Type)+" "+string(out.Object.(*Message).Bytes))
	}
	want := []string{"ADDED v1", "MODIFIED v2", "DELETED v2"}
	if !slices.Equal(got, want) {
		t.Errorf("a watcher of app=a replaying the history sees %q; want %q", got, want)
	}
}
