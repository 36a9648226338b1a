package job

import (
	"sync"
	"time"
)

// expectationsTTL is how long unmet expectations hold a Job back before
// it re-counts anyway, as upstream.
const expectationsTTL = 5 * time.Minute

// expectations counts, per Job key, the pod creations and deletions asked
// for and not yet seen by the informer, and the pods whose tracking
// finalizer removal is not yet seen. It is safe for concurrent use.
type expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expectation
	rm  map[string]map[string]bool // key -> pod UIDs
}

type expectation struct {
	adds, dels int
	at         time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, m: map[string]*expectation{}, rm: map[string]map[string]bool{}}
}

// satisfied reports whether key may be managed from the cache.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	return (x.adds <= 0 && x.dels <= 0) || e.now().Sub(x.at) > expectationsTTL
}

// expect records that adds pods will be created and dels deleted.
func (e *expectations) expect(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{adds: adds, dels: dels, at: e.now()}
}

// observe lowers the pending counts of key.
func (e *expectations) observe(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.adds -= adds
		x.dels -= dels
	}
}

// expectRemoved records pods whose finalizer removal is in flight.
func (e *expectations) expectRemoved(key string, uids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	set := e.rm[key]
	if set == nil {
		set = map[string]bool{}
		e.rm[key] = set
	}
	for _, u := range uids {
		set[u] = true
	}
}

// removedObserved drops a pod from the in-flight finalizer removals.
func (e *expectations) removedObserved(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.rm[key], uid)
}

// pendingRemovals returns a copy of the in-flight finalizer removals.
func (e *expectations) pendingRemovals(key string) map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]bool, len(e.rm[key]))
	for u := range e.rm[key] {
		out[u] = true
	}
	return out
}

// forget drops key.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
	delete(e.rm, key)
}
