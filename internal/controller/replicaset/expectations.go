package replicaset

import (
	"sync"
	"time"
)

// expectationsTTL is how long unmet expectations hold a ReplicaSet back
// before it re-counts anyway, as upstream.
const expectationsTTL = 5 * time.Minute

// expectations counts, per ReplicaSet key, the pod creations and deletions
// asked for and not yet observed by the informer. It is safe for
// concurrent use.
type expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expectation
}

type expectation struct {
	adds, dels int
	at         time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, m: map[string]*expectation{}}
}

// satisfied reports whether key may be reconciled from the cache: nothing
// is pending, or the expectation expired.
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

// forget drops key.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
