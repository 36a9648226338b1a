package daemonset

import (
	"sync"
	"time"
)

// expectationsTTL is how long unmet expectations hold a DaemonSet back before
// it is synced anyway, as upstream.
const expectationsTTL = 5 * time.Minute

// expectations counts, per DaemonSet key, the pod creations and
// deletions asked for and not yet seen by the informer, so that a sync
// never acts twice on a stale cache. It is safe for concurrent use.
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

// satisfied reports whether nothing is pending for key or the pending
// expectation expired.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	return !ok || (x.adds <= 0 && x.dels <= 0) || e.now().Sub(x.at) > expectationsTTL
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
