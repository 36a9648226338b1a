package storage

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Get returns one object. resourceVersion "" is a consistent read (see
// freshEntry), "0" answers from the cache at once, and N answers from the
// cache once it has reached N. Missing objects are 404 NotFound.
func (r *Resource) Get(ctx context.Context, ns, name string, resourceVersion string) (runtime.Object, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, err
	}
	if resourceVersion == "" {
		if e, fresh, err := r.freshEntry(ctx, key); err != nil || fresh {
			if err != nil {
				return nil, err
			}
			return e.object(), nil
		}
		obj, _, _, err := r.readLatest(ctx, key)
		if err != nil {
			return nil, err
		}
		if obj == nil {
			return nil, apierrors.NewNotFound(r.rc.GroupResource, name)
		}
		return obj, nil
	}
	e, err := r.cachedEntry(ctx, key, name, resourceVersion)
	if err != nil {
		return nil, err
	}
	return e.object(), nil
}

// GetShared returns the cached object ns/name as the cache has it now (a
// read at resourceVersion "0"), decoded once and shared with every other
// shared reader when the resource has ShareDecoded: the caller must not
// change it. A missing object is a NotFound error.
func (r *Resource) GetShared(ctx context.Context, ns, name string) (runtime.Object, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, err
	}
	e, err := r.cachedEntry(ctx, key, name, "0")
	if err != nil {
		return nil, err
	}
	return e.sharedObject(), nil
}

// freshEntry answers a consistent read of key from the cache when that is
// as good as reading etcd: the store's etcd member runs in this process
// (its current revision costs no round trip) and the cache has applied
// every write up to that revision, so its entry is what etcd holds.
// Upstream serves consistent lists from its cache the same way
// (ConsistentListFromCache); a read from etcd ranges over its index and
// database and copies the value. fresh is false otherwise, and the caller
// reads etcd. Either the cache is behind, and a progress notification is
// asked for so that it catches up with other resources' writes; or it has
// no entry, and etcd tells a missing key from bytes the cache could not
// decode (an InternalError, as upstream's read of a corrupt object).
func (r *Resource) freshEntry(ctx context.Context, key string) (e *entry, fresh bool, err error) {
	if r.cache == nil || r.store.cfg.Local == nil {
		return nil, false, nil
	}
	rev, err := r.store.currentRevision(ctx)
	if err != nil {
		return nil, false, err
	}
	e, cur := r.cache.get(key)
	if cur < rev {
		r.store.kickProgress()
		return nil, false, nil
	}
	return e, e != nil, nil
}

// cachedEntry answers a read at resourceVersion "0" (the cache as it is) or
// N (once the cache has reached N) from the cache; an uncached resource
// reads etcd.
func (r *Resource) cachedEntry(ctx context.Context, key, name, resourceVersion string) (*entry, error) {
	rv, err := parseRV(resourceVersion)
	if err != nil {
		return nil, err
	}
	if r.cache == nil {
		return r.etcdEntry(ctx, key, name, rv)
	}
	if rv > 0 {
		if _, err := r.waitForRev(ctx, rv); err != nil {
			return nil, err
		}
	}
	e, _ := r.cache.get(key)
	if e == nil {
		return nil, apierrors.NewNotFound(r.rc.GroupResource, name)
	}
	return e, nil
}

// readLatest reads key from etcd. It returns a private decoded object (nil
// if the key does not exist), its plain stored bytes (nil when stale, see
// comparable) and its mod revision.
func (r *Resource) readLatest(ctx context.Context, key string) (runtime.Object, []byte, int64, error) {
	stored, modRev, found, err := r.readStored(ctx, key)
	if err != nil || !found {
		return nil, nil, 0, err
	}
	data, err := r.plain(ctx, key, stored)
	if err != nil {
		return nil, nil, 0, err
	}
	obj, err := r.decodePlain(key, data, modRev)
	if err != nil {
		return nil, nil, 0, err
	}
	return obj, r.comparable(key, stored, data), modRev, nil
}

// readStored reads key's stored bytes, in-process when the store has a
// LocalReader and from etcd otherwise.
func (r *Resource) readStored(ctx context.Context, key string) (value []byte, modRev int64, found bool, err error) {
	if l := r.store.cfg.Local; l != nil {
		value, modRev, found, err = l.Get(ctx, key)
	} else {
		var resp *clientv3.GetResponse
		if resp, err = r.store.client.Get(ctx, key); err == nil && len(resp.Kvs) > 0 {
			value, modRev, found = resp.Kvs[0].Value, resp.Kvs[0].ModRevision, true
		}
	}
	if err != nil {
		return nil, 0, false, apierrors.NewInternalError(err)
	}
	return value, modRev, found, nil
}

// comparable returns the plain bytes Update compares a new encoding with to
// skip unchanged writes, or nil when the stored bytes are stale for the
// Transformer (StaleChecker), so that the object is rewritten.
func (r *Resource) comparable(key string, stored, plain []byte) []byte {
	if sc, ok := r.store.cfg.Transformer.(StaleChecker); ok && sc.Stale(stored, key) {
		return nil
	}
	return plain
}
