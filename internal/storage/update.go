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

// Update is a guaranteed update: it reads the latest object from etcd, calls
// fn and writes the result with a compare-and-swap on the mod revision,
// retrying from a fresh read when another write won. If fn returns an object
// whose stored bytes equal the current ones, nothing is written and current
// is returned. If the object does not exist and fn returns one, it is created.
// Updates of one key from this process run one at a time (keyLocks), so fn
// must not update the same key itself.
func (r *Resource) Update(ctx context.Context, ns, name string, fn UpdateFunc) (runtime.Object, error) {
	obj, _, err := r.update(ctx, ns, name, fn, false)
	return obj, err
}

// UpdateProtobuf is Update that also returns the resulting object's
// protobuf message as a protobuf client is sent it (see GetProtobuf), made
// from the bytes stored (or left as they were) rather than by encoding the
// object again; msg is zero when those are not a protobuf envelope.
func (r *Resource) UpdateProtobuf(ctx context.Context, ns, name string, fn UpdateFunc) (obj runtime.Object, msg ProtoMessage, err error) {
	return r.update(ctx, ns, name, fn, true)
}

func (r *Resource) update(ctx context.Context, ns, name string, fn UpdateFunc, wantMsg bool) (runtime.Object, ProtoMessage, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, ProtoMessage{}, err
	}
	unlock, err := r.writing.lock(ctx, key)
	if err != nil {
		return nil, ProtoMessage{}, apierrors.NewTimeoutError(fmt.Sprintf("waiting for the other updates of %s: %v", key, err), 0)
	}
	defer unlock()
	cur, curData, modRev, err := r.readLatest(ctx, key)
	if err != nil {
		return nil, ProtoMessage{}, err
	}
	for {
		next, err := fn(cur)
		if err != nil {
			return nil, ProtoMessage{}, err
		}
		if next == nil {
			return nil, ProtoMessage{}, apierrors.NewInternalError(fmt.Errorf("storage: update of %s returned no object", key))
		}
		plain, err := r.encode(next)
		if err != nil {
			return nil, ProtoMessage{}, err
		}
		if cur != nil && bytes.Equal(plain, curData) {
			return written(next, plain, modRev, wantMsg)
		}
		data, err := r.toStorage(ctx, key, plain)
		if err != nil {
			return nil, ProtoMessage{}, err
		}
		hinted := r.hint(key, plain, next)
		resp, err := r.commitPut(ctx, func(lease clientv3.LeaseID) (*clientv3.TxnResponse, error) {
			return r.store.putIf(ctx, key, modRev, data, lease, true)
		})
		if hinted && (err != nil || !resp.Succeeded) {
			r.unhint(key, plain)
		}
		if err != nil {
			return nil, ProtoMessage{}, apierrors.NewInternalError(err)
		}
		if resp.Succeeded {
			return written(next, plain, resp.Header.Revision, wantMsg)
		}
		cur, curData, modRev, err = r.fromRangeResponse(ctx, key, resp.Responses[0].GetResponseRange().GetKvs())
		if err != nil {
			return nil, ProtoMessage{}, err
		}
	}
}
