package controller

import (
	"sync"
	"time"
)

// ExpectationsTTL is how long unmet expectations hold an owner back before
// it is reconciled from the cache anyway, as upstream.
const ExpectationsTTL = 5 * time.Minute

// Expectations counts, per owner key, the creations and deletions a
// controller asked for and its informer has not yet shown, so that a
// reconcile never acts twice on a cache that lags its own writes. It is
// safe for concurrent use.
type Expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expectation
}

type expectation struct {
	adds, dels int
	at         time.Time
}

// NewExpectations returns empty expectations timed by now.
func NewExpectations(now func() time.Time) *Expectations {
	return &Expectations{now: now, m: map[string]*expectation{}}
}

// Satisfied reports whether key may be reconciled from the cache: nothing
// is pending, or the expectation expired.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	return !ok || (x.adds <= 0 && x.dels <= 0) || e.now().Sub(x.at) > ExpectationsTTL
}

// Expect records that adds objects will be created and dels deleted.
func (e *Expectations) Expect(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{adds: adds, dels: dels, at: e.now()}
}

// Observe lowers the pending counts of key.
func (e *Expectations) Observe(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.adds -= adds
		x.dels -= dels
	}
}

// Forget drops key.
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
