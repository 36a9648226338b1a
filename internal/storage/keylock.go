package storage

import (
	"context"
	"sync"
)

// keyLocks lets one guaranteed update of a key run at a time in this
// process. Without it, writers of one hot object (8 clients updating one
// ConfigMap, controllers writing one status) all read the same revision,
// one wins the compare-and-swap and the others decode, validate and encode
// again, so each write cost several. Queued here instead, each attempt
// reads the revision its predecessor wrote and succeeds at once. The
// compare-and-swap stays: it still arbitrates between servers sharing an
// etcd, and between this server and anyone writing etcd directly.
//
// A key's lock exists only while someone holds or waits for it.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	held chan struct{} // a token while held: acquiring may be given up
	refs int           // holders and waiters; the entry goes at zero
	// written is the revision the last holder wrote (0: none did), read
	// and set only by the holder: the next one knows the watch cache's
	// entry is stale while it is older.
	written int64
}

// heldKey is a key's lock, held.
type heldKey struct {
	k   *keyLocks
	key string
	l   *keyLock
}

// lock waits until key is free or ctx is done, and returns it held. The
// context error is returned when ctx ends first.
func (k *keyLocks) lock(ctx context.Context, key string) (heldKey, error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	select {
	case l.held <- struct{}{}:
		return heldKey{k: k, key: key, l: l}, nil
	case <-ctx.Done():
		k.release(key, l)
		return heldKey{}, ctx.Err()
	}
}

// unlock lets the next waiter have the key.
func (h heldKey) unlock() {
	<-h.l.held
	h.k.release(h.key, h.l)
}

// lastWrite is the revision an earlier holder wrote while the key stayed
// locked or waited for since (0: none), which the watch cache may not
// have reached yet.
func (h heldKey) lastWrite() int64 { return h.l.written }

// wrote records the revision this holder wrote.
func (h heldKey) wrote(rev int64) { h.l.written = rev }

func (k *keyLocks) release(key string, l *keyLock) {
	k.mu.Lock()
	l.refs--
	if l.refs == 0 {
		delete(k.locks, key)
	}
	k.mu.Unlock()
}
