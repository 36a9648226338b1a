package storage

import (
	"context"
	"unsafe"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// Create stores obj under ns/name if no object is there (409 AlreadyExists
// otherwise). It returns obj itself with TypeMeta set and resourceVersion set
// to the creating revision; obj's resourceVersion is ignored.
func (r *Resource) Create(ctx context.Context, ns, name string, obj runtime.Object) (runtime.Object, error) {
	created, _, err := r.create(ctx, ns, name, obj, false)
	return created, err
}

// CreateProtobuf is Create that also returns the created object's protobuf
// message as a protobuf client is sent it (see GetProtobuf), made from the
// bytes it stored rather than by encoding the object again; msg is zero
// when those are not a protobuf envelope.
func (r *Resource) CreateProtobuf(ctx context.Context, ns, name string, obj runtime.Object) (created runtime.Object, msg ProtoMessage, err error) {
	return r.create(ctx, ns, name, obj, true)
}

func (r *Resource) create(ctx context.Context, ns, name string, obj runtime.Object, wantMsg bool) (runtime.Object, ProtoMessage, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return nil, ProtoMessage{}, err
	}
	plain, err := r.encode(obj)
	if err != nil {
		return nil, ProtoMessage{}, err
	}
	data, err := r.toStorage(ctx, key, plain)
	if err != nil {
		return nil, ProtoMessage{}, err
	}
	hinted := r.hint(key, plain, obj)
	resp, err := r.commitPut(ctx, func(opts ...clientv3.OpOption) (*clientv3.TxnResponse, error) {
		return r.store.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
			Then(putOp(key, data, opts...)).
			Commit()
	})
	if hinted && (err != nil || !resp.Succeeded) {
		r.unhint(key, plain)
	}
	if err != nil {
		return nil, ProtoMessage{}, apierrors.NewInternalError(err)
	}
	if !resp.Succeeded {
		return nil, ProtoMessage{}, apierrors.NewAlreadyExists(r.rc.GroupResource, name)
	}
	return written(obj, plain, resp.Header.Revision, wantMsg)
}

// written is the answer of a write that left obj stored as plain at rev:
// obj with that resourceVersion and, with wantMsg, its protobuf message
// made from plain (zero when plain is not a protobuf envelope), which it
// points into.
func written(obj runtime.Object, plain []byte, rev int64, wantMsg bool) (runtime.Object, ProtoMessage, error) {
	if err := setRV(obj, rev); err != nil {
		return nil, ProtoMessage{}, err
	}
	var msg ProtoMessage
	if wantMsg {
		msg, _ = messageWithRV(plain, rev)
	}
	return obj, msg, nil
}

// putOp is clientv3.OpPut(key, string(data), opts...) with one copy of
// data fewer: OpPut copies its value into a slice of its own, so the
// string it is given only has to live, unchanged, for the call, and data
// does.
func putOp(key string, data []byte, opts ...clientv3.OpOption) clientv3.Op {
	return clientv3.OpPut(key, unsafe.String(unsafe.SliceData(data), len(data)), opts...)
}
