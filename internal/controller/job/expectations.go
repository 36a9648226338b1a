package job

import (
	"strconv"
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
	// written is the resourceVersion of the last status this controller
	// wrote for a Job, until the Job informer shows it.
	written map[string]uint64
}

type expectation struct {
	adds, dels int
	at         time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, m: map[string]*expectation{}, rm: map[string]map[string]bool{}, written: map[string]uint64{}}
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

// statusWritten records that this controller wrote key's status, which
// the store gave resourceVersion rv.
func (e *expectations) statusWritten(key, rv string) {
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.written[key] = n
}

// statusSeen reports whether the cached Job, at resourceVersion rv, is at
// least as new as the last status this controller wrote for it.
//
// A Job read from the cache before the informer delivers our own status
// write is dangerous: its uncountedTerminatedPods and counters predate
// pods whose tracking finalizer we already removed, so those pods are
// counted nowhere and the Job would create replacements for pods that
// succeeded. Skiff's controllers only ever talk to Skiff's own API
// server, whose resourceVersions are etcd revisions, so they can be
// ordered here (clients of other servers must not do this).
func (e *expectations) statusSeen(key, rv string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	w, ok := e.written[key]
	if !ok {
		return true
	}
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil || n >= w {
		delete(e.written, key)
		return true
	}
	return false
}

// forget drops key.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
	delete(e.rm, key)
	delete(e.written, key)
}
