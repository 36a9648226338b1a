package storage

// A watcher reads its events from a channel of watcherBuffer events. When a
// client falls behind further (a burst of writes while it, or the machine,
// is busy), the events wait in the watcher's overflow, in order, and move
// to the channel as it empties. Only a watcher that falls behind by its
// whole backlog as well is terminated, so a client that is slow for a
// moment keeps its watch, as upstream's cacher blocks on a slow watcher
// for a while before closing it. The overflow holds pointers to events the
// cache's history shares.

// pushLocked hands ev to w without blocking: to its channel, or to its
// overflow once the channel is full or while the overflow holds events
// (which must be sent first). A watcher whose overflow is full is
// terminated. c.mu is held for writing.
func (c *cache) pushLocked(w *watcher, ev *event) {
	if len(w.overflow) == 0 {
		select {
		case w.in <- ev:
			return
		default:
		}
	}
	if len(w.overflow) >= c.backlog {
		c.unresponsive.Add(1)
		c.terminateLocked(w)
		return
	}
	if len(w.overflow) == 0 {
		w.behind.Store(true)
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	w.overflow = append(w.overflow, ev)
}

// refill moves as much of w's overflow to its channel as fits. Only w's
// own goroutine calls it, when the channel is empty and w is behind; the
// cache sends nothing to the channel while the overflow holds events, so
// the order is kept.
func (c *cache) refill(w *watcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watchers[w]; !ok {
		return // terminated: in is closed, the overflow is dropped
	}
	n := 0
fill:
	for n < len(w.overflow) {
		select {
		case w.in <- w.overflow[n]:
			n++
		default:
			break fill
		}
	}
	rest := copy(w.overflow, w.overflow[n:])
	clear(w.overflow[rest:])
	w.overflow = w.overflow[:rest]
	if rest == 0 {
		w.overflow = nil
		w.behind.Store(false)
	}
}
