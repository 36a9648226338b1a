package storage

import (
	"bytes"
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// UpdateFunc computes the desired object from the current one. current is a
// private copy (nil if the object does not exist) that fn may mutate and
// return. An error from fn aborts the update and is returned as is.
type UpdateFunc func(current runtime.Object) (runtime.Object, error)

// Update is a guaranteed update: it calls fn on the current object and
// writes the result with a compare-and-swap on the mod revision, retrying
// from a fresh read when another write won. It starts, as upstream's
// cacher does, from the watch cache's object when the cache has the key
// (startState); an error from fn or an unchanged result on that state is
// checked again on etcd's before it counts. If fn returns an object whose
// stored bytes equal the current ones, nothing is written and current is
// returned. If the object does not exist and fn returns one, it is created.
// Updates of one key from this process run one at a time (keyLocks), so fn
// must not update the same key itself.
func (r *Resource) Update(ctx context.Context, ns, name string, fn UpdateFunc) (runtime.Object, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, err
	}
	held, err := r.writing.lock(ctx, key)
	if err != nil {
		return nil, apierrors.NewTimeoutError(fmt.Sprintf("waiting for the other updates of %s: %v", key, err), 0)
	}
	defer held.unlock()
	st, err := r.startState(ctx, key, held.lastWrite())
	if err != nil {
		return nil, err
	}
	for {
		next, err := fn(st.obj)
		if err != nil && !st.current {
			if st, err = r.latestState(ctx, key); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if next == nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("storage: update of %s returned no object", key))
		}
		plain, err := r.encode(next)
		if err != nil {
			return nil, err
		}
		if st.obj != nil && st.same(plain) {
			if !st.current {
				if st, err = r.latestState(ctx, key); err != nil {
					return nil, err
				}
				continue
			}
			if err := setRV(next, st.modRev); err != nil {
				return nil, err
			}
			return next, nil
		}
		data, err := r.toStorage(ctx, key, plain)
		if err != nil {
			return nil, err
		}
		hinted := r.hint(key, plain, next)
		modRev := st.modRev
		resp, err := r.commitPut(ctx, func(opts ...clientv3.OpOption) (*clientv3.TxnResponse, error) {
			return r.store.kv.Txn(ctx).
				If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
				Then(putOp(key, data, opts...)).
				Else(clientv3.OpGet(key)).
				Commit()
		})
		if hinted && (err != nil || !resp.Succeeded) {
			r.unhint(key, plain)
		}
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if resp.Succeeded {
			held.wrote(resp.Header.Revision)
			if err := setRV(next, resp.Header.Revision); err != nil {
				return nil, err
			}
			return next, nil
		}
		cur, curData, modRev, err := r.fromRangeResponse(ctx, key, resp.Responses[0].GetResponseRange().GetKvs())
		if err != nil {
			return nil, err
		}
		st = updateState{obj: cur, modRev: modRev, current: true, plain: curData}
	}
}

// updateState is the object an update attempt starts from.
type updateState struct {
	obj    runtime.Object // a private copy; nil when the key does not exist
	modRev int64
	// current: read from etcd just now, rather than from the watch cache.
	current bool
	// plain is the stored plain encoding (nil when stale for the
	// Transformer); for a cached state, entry is used instead.
	plain []byte
	entry *entry
}

// same reports whether plain, a new encoding, is what the state holds.
func (s updateState) same(plain []byte) bool {
	if e := s.entry; e != nil {
		if e.msg == nil {
			return bytes.Equal(plain, e.data)
		}
		msg, ok := messageWithRV(plain, e.rev)
		return ok && bytes.Equal(msg, e.msg)
	}
	return s.plain != nil && bytes.Equal(plain, s.plain)
}

// startState is the watch cache's entry for key when the cache has it and
// it is no older than lastWrite (what this process last wrote to the key),
// decoded privately, and etcd's current object otherwise. A Transformer
// that can find stored bytes stale (encryption) always reads etcd: the
// cache does not keep the stored bytes it would judge.
func (r *Resource) startState(ctx context.Context, key string, lastWrite int64) (updateState, error) {
	if _, stale := r.store.cfg.Transformer.(StaleChecker); r.cache != nil && !stale {
		if e, _ := r.cache.get(key); e != nil && e.obj == nil && e.rev >= lastWrite {
			if obj, err := e.decode(); err == nil {
				obj.GetObjectKind().SetGroupVersionKind(r.rc.GVK)
				return updateState{obj: obj, modRev: e.rev, entry: e}, nil
			}
		}
	}
	return r.latestState(ctx, key)
}

// latestState reads key's current state from etcd.
func (r *Resource) latestState(ctx context.Context, key string) (updateState, error) {
	cur, curData, modRev, err := r.readLatest(ctx, key)
	if err != nil {
		return updateState{}, err
	}
	return updateState{obj: cur, modRev: modRev, current: true, plain: curData}, nil
}
