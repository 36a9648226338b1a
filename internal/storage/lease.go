package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Objects of a resource with a TTL (ResourceConfig.TTL, the server's
// events) are written with an etcd lease, which deletes them when it runs
// out, as upstream's --event-ttl does. Every write, update included,
// attaches a lease, so an object lives TTL after its last write.
//
// As upstream's lease manager, each such resource shares one lease among
// the writes of a short window instead of granting one per write: a lease
// granted with TTL plus a reuse window serves every write while at least
// TTL of it remains, up to leaseMaxObjects writes. An object thus lives
// between TTL and TTL plus the window after its last write.
const (
	// leaseReuseMax caps the reuse window; leaseReusePercent sets it for
	// short TTLs.
	leaseReuseMax     = 60 * time.Second
	leaseReusePercent = 5
	// leaseMaxObjects bounds the writes one lease serves.
	leaseMaxObjects = 1000
)

// sharedLease is the lease a resource's TTL writes share.
type sharedLease struct {
	mu      sync.Mutex
	id      clientv3.LeaseID
	expires time.Time // when the current lease runs out
	writes  int
}

// lease returns a lease under which an object of r lives at least its TTL.
func (r *Resource) lease(ctx context.Context) (clientv3.LeaseID, error) {
	l, ttl := &r.ttlLease, r.rc.TTL
	l.mu.Lock()
	defer l.mu.Unlock()
	now := r.store.cfg.Clock.Now()
	l.writes++
	if l.id != 0 && l.writes <= leaseMaxObjects && !now.Add(ttl).After(l.expires) {
		return l.id, nil
	}
	grant := ttl + min(ttl*leaseReusePercent/100, leaseReuseMax)
	secs := int64((grant + time.Second - 1) / time.Second)
	resp, err := r.store.client.Grant(ctx, secs)
	if err != nil {
		return 0, apierrors.NewInternalError(fmt.Errorf("storage: grant a lease of %ds: %w", secs, err))
	}
	l.id, l.writes = resp.ID, 1
	l.expires = now.Add(time.Duration(secs) * time.Second)
	return l.id, nil
}

// commitPut runs put, a write of r, with r's lease when r has a TTL (0
// otherwise). If etcd no longer knows the shared lease (revoked, or run
// out early), it forgets it and runs put once more with a new one.
func (r *Resource) commitPut(ctx context.Context, put func(lease clientv3.LeaseID) (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
	if r.rc.TTL <= 0 {
		return put(clientv3.NoLease)
	}
	for retried := false; ; retried = true {
		id, err := r.lease(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := put(id)
		if !retried && errors.Is(err, rpctypes.ErrLeaseNotFound) {
			r.forgetLease(id)
			continue
		}
		return resp, err
	}
}

// forgetLease stops handing out lease id, which etcd does not know.
func (r *Resource) forgetLease(id clientv3.LeaseID) {
	l := &r.ttlLease
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.id == id {
		l.id = 0
	}
}
