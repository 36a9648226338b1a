package storage

import (
	"context"
	"unsafe"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
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
	resp, err := r.commitPut(ctx, func(lease clientv3.LeaseID) (*clientv3.TxnResponse, error) {
		return r.store.putIf(ctx, key, 0, data, lease, false)
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

// putIf stores data under key with lease (clientv3.NoLease for none) if
// key's mod revision is modRev (0: if key does not exist), as one etcd
// transaction; with getElse, a failed compare returns key's current value
// in the response's only Range. data only has to stay unchanged for the
// call. Errors are clientv3's.
//
// To the embedded member it sends etcd's own request built around data
// (kvc), where clientv3's OpPut would first copy the value into an Op;
// the member copies it as it proposes the write. An external etcd is
// written through clientv3, whose call options (waiting for a ready
// connection, message size limits) a raw gRPC call would not carry.
func (s *Store) putIf(ctx context.Context, key string, modRev int64, data []byte, lease clientv3.LeaseID, getElse bool) (*clientv3.TxnResponse, error) {
	if s.kvc == nil {
		// OpPut copies its value into a slice of its own, so a view of
		// data only has to live, unchanged, for the call, as data does.
		txn := s.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
			Then(clientv3.OpPut(key, unsafe.String(unsafe.SliceData(data), len(data)), clientv3.WithLease(lease)))
		if getElse {
			txn = txn.Else(clientv3.OpGet(key))
		}
		return txn.Commit()
	}
	k := []byte(key)
	req := &pb.TxnRequest{
		Compare: []*pb.Compare{{Result: pb.Compare_EQUAL, Target: pb.Compare_MOD, Key: k, TargetUnion: &pb.Compare_ModRevision{ModRevision: modRev}}},
		Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: k, Value: data, Lease: int64(lease)}}}},
	}
	if getElse {
		req.Failure = []*pb.RequestOp{{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: k}}}}
	}
	resp, err := s.kvc.Txn(ctx, req)
	if err != nil {
		return nil, clientv3.ContextError(ctx, err)
	}
	return (*clientv3.TxnResponse)(resp), nil
}
