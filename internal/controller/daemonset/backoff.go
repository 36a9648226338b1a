package daemonset

import (
	"sync"
	"time"
)

// Failed daemon pods are deleted with a per-node back-off, as upstream:
// from 1 s, doubling, to at most 15 minutes.
const (
	failedBackoffInitial = time.Second
	failedBackoffMax     = 15 * time.Minute
)

// backoff spaces out the deletion of failed pods per key. It is safe for
// concurrent use.
type backoff struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]backoffEntry
}

type backoffEntry struct {
	delay time.Duration
	last  time.Time
}

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, m: map[string]backoffEntry{}}
}

// wait returns how long key must still wait; when it is 0 the caller may
// act now, and the next wait doubles. A key idle for twice the maximum
// starts over.
func (b *backoff) wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	e, ok := b.m[key]
	if !ok || now.Sub(e.last) > 2*failedBackoffMax {
		b.m[key] = backoffEntry{delay: failedBackoffInitial, last: now}
		return 0
	}
	if left := e.last.Add(e.delay).Sub(now); left > 0 {
		return left
	}
	b.m[key] = backoffEntry{delay: min(2*e.delay, failedBackoffMax), last: now}
	return 0
}
