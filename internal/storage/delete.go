package storage

import (
	"context"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// Delete removes ns/name with a compare-and-swap on its mod revision,
// calling precondition (if not nil) on the latest object first; an error
// from it aborts the delete. It returns the deleted object with
// resourceVersion set to the deleting revision, or 404 NotFound.
func (r *Resource) Delete(ctx context.Context, ns, name string, precondition func(current runtime.Object) error) (runtime.Object, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, err
	}
	cur, _, modRev, err := r.readLatest(ctx, key)
	if err != nil {
		return nil, err
	}
	for {
		if cur == nil {
			return nil, apierrors.NewNotFound(r.rc.GroupResource, name)
		}
		if precondition != nil {
			if err := precondition(cur); err != nil {
				return nil, err
			}
		}
		resp, err := r.store.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
			Then(clientv3.OpDelete(key)).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if resp.Succeeded {
			if err := setRV(cur, resp.Header.Revision); err != nil {
				return nil, err
			}
			return cur, nil
		}
		cur, _, modRev, err = r.fromRangeResponse(ctx, key, resp.Responses[0].GetResponseRange().GetKvs())
		if err != nil {
			return nil, err
		}
	}
}

// fromRangeResponse decodes the result of a txn's Else(OpGet(key)).
func (r *Resource) fromRangeResponse(ctx context.Context, key string, kvs []*mvccpb.KeyValue) (runtime.Object, []byte, int64, error) {
	if len(kvs) == 0 {
		return nil, nil, 0, nil
	}
	data, err := r.plain(ctx, key, kvs[0].Value)
	if err != nil {
		return nil, nil, 0, err
	}
	obj, err := r.decodePlain(key, data, kvs[0].ModRevision)
	if err != nil {
		return nil, nil, 0, err
	}
	return obj, r.comparable(key, kvs[0].Value, data), kvs[0].ModRevision, nil
}
