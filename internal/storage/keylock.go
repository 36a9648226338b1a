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
}

// lock waits until key is free or ctx is done, and returns the unlock
// function. The context error is returned when ctx ends first.
func (k *keyLocks) lock(ctx context.Context, key string) (func(), error) {
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
		return func() { <-l.held; k.release(key, l) }, nil
	case <-ctx.Done():
		k.release(key, l)
		return nil, ctx.Err()
	}
}

func (k *keyLocks) release(key string, l *keyLock) {
	k.mu.Lock()
	l.refs--
	if l.refs == 0 {
		delete(k.locks, key)
	}
	k.mu.Unlock()
}
