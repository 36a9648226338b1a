package storage

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// waitTimeout bounds how long a read waits for the cache to reach a
// revision, as upstream's watch cache does.
const waitTimeout = 3 * time.Second

// progressRetry is how often a waiting read re-requests a progress
// notification (etcd ignores requests while a watcher is catching up).
const progressRetry = 100 * time.Millisecond

// Resource stores one kind of object. Objects returned by Get, List and
// Watch may be shared with the watch cache and other callers: callers must
// DeepCopy before mutating them. Its methods are safe for concurrent use.
type Resource struct {
	store  *Store
	rc     ResourceConfig
	prefix string // Prefix/Key/
	cache  *cache // nil when the resource is Uncached
	hints  writeHints
	// writing queues this process's guaranteed updates of one key.
	writing keyLocks
	// fieldKeys are the selectable field names the entries share.
	fieldKeys atomic.Pointer[fieldKeys]
	// ttlLease is the lease the writes share when the resource has a TTL.
	ttlLease sharedLease
}

// CacheStats is what a resource's watch cache has done, for upstream's
// apiserver_watch_cache_* metrics.
type CacheStats struct {
	// Revision is the etcd revision the cache has reached.
	Revision int64
	// Received counts the etcd events it took in; Dispatched the changes
	// it handed to its watchers (an event whose object cannot be decoded
	// is received, not dispatched).
	Received, Dispatched uint64
	// Terminated counts the watchers closed because they fell their
	// buffer and backlog behind (their clients watch again).
	Terminated uint64
}

// CacheStats reports the watch cache's figures; ok is false for an
// uncached resource.
func (r *Resource) CacheStats() (stats CacheStats, ok bool) {
	if r.cache == nil {
		return CacheStats{}, false
	}
	rev, _ := r.cache.revision()
	return CacheStats{Revision: rev, Received: r.cache.received.Load(), Dispatched: r.cache.dispatched.Load(),
		Terminated: r.cache.unresponsive.Load()}, true
}

// Count returns the number of objects stored: the watch cache's count, or
// etcd's for an uncached resource (-1 if etcd does not answer, as
// upstream's apiserver_storage_objects reports a failed count).
func (r *Resource) Count() int64 {
	if r.cache == nil {
		return r.countEtcd()
	}
	return r.cache.count()
}

// waitFresh waits until the cache has seen every write completed before the
// call and returns the cache revision.
func (r *Resource) waitFresh(ctx context.Context) (int64, error) {
	rev, err := r.store.currentRevision(ctx)
	if err != nil {
		return 0, err
	}
	return r.waitForRev(ctx, rev)
}

// waitForRev waits until the cache is at revision rev or later, asking etcd
// for progress notifications meanwhile. It returns the cache revision.
func (r *Resource) waitForRev(ctx context.Context, rev int64) (int64, error) {
	cur, changed := r.cache.revision()
	if cur >= rev {
		return cur, nil
	}
	// Real time on purpose: this is a request timeout, not behaviour tests
	// drive with a fake clock.
	deadline := time.NewTimer(r.store.waitTimeout)
	defer deadline.Stop()
	for {
		r.store.kickProgress()
		retry := time.NewTimer(progressRetry)
		select {
		case <-changed:
		case <-retry.C:
		case <-deadline.C:
			retry.Stop()
			cur, _ = r.cache.revision()
			return 0, tooLargeRV(rev, cur)
		case <-ctx.Done():
			retry.Stop()
			return 0, ctx.Err()
		}
		retry.Stop()
		cur, changed = r.cache.revision()
		if cur >= rev {
			return cur, nil
		}
	}
}

// tooLargeRV is upstream's "Too large resource version" timeout error.
func tooLargeRV(want, cur int64) error {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", want, cur), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{
		Type:    metav1.CauseTypeResourceVersionTooLarge,
		Message: "Too large resource version",
	}}
	return err
}
