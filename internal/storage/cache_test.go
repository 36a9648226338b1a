package storage

import (
	"testing"

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
