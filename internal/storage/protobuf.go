package storage

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// Field numbers of the k8s protobuf messages the fast paths look into:
// every top-level object carries ObjectMeta as field 1, and ObjectMeta
// carries resourceVersion as field 6.
const (
	fieldMetadata        protowire.Number = 1
	fieldResourceVersion protowire.Number = 6
)

// protoMarshaler is implemented by every k8s.io/api type.
type protoMarshaler interface {
	Marshal() ([]byte, error)
}

// protobuf returns the protobuf message of e's object (the bytes a k8s
// envelope carries, resourceVersion included): the entry's own bytes
// when it was stored as protobuf, which callers must not change. ok is
// false when the object has no protobuf encoding.
func (e *entry) protobuf() (msg []byte, ok bool) {
	if e.msg != nil {
		return e.msg, true
	}
	m, err := marshalProto(e.object())
	return m, err == nil
}

// Protobuf returns item i's protobuf message (see GetProtobuf), taken
// from its stored encoding; ok is false for pages not read from storage
// (converted views), whose caller encodes Objects()[i] itself.
func (l *ListResult) Protobuf(i int) (msg []byte, ok bool) {
	if i >= len(l.entries) {
		return nil, false
	}
	return l.entries[i].protobuf()
}

// GetProtobuf is Get for a protobuf client. It returns the object's
// protobuf message, the bytes inside the k8s envelope, with its
// resourceVersion set. A consistent read (resourceVersion "") uses the
// cached entry's encoding when the cache is fresh (see freshEntry), and
// otherwise takes the message out of the bytes etcd holds and writes the
// revision into it without decoding the object; other reads use the
// cached object's encoding. Errors are those of Get.
func (r *Resource) GetProtobuf(ctx context.Context, ns, name, resourceVersion string) (ProtoMessage, error) {
	key, err := r.key(ns, name)
	if err != nil {
		return ProtoMessage{}, err
	}
	var e *entry
	if resourceVersion != "" {
		e, err = r.cachedEntry(ctx, key, name, resourceVersion)
	} else {
		var fresh bool
		if e, fresh, err = r.freshEntry(ctx, key); err == nil && !fresh {
			return r.etcdProtobuf(ctx, key, name)
		}
	}
	if err != nil {
		return ProtoMessage{}, err
	}
	if msg, ok := e.protobuf(); ok {
		return MessageOf(msg), nil
	}
	msg, err := marshalProto(e.object())
	return MessageOf(msg), err
}

// etcdProtobuf is GetProtobuf's consistent read from etcd: the message
// taken out of the stored bytes with the revision written into it, or,
// for bytes not shaped that way, the decoded object encoded again.
func (r *Resource) etcdProtobuf(ctx context.Context, key, name string) (ProtoMessage, error) {
	stored, modRev, found, err := r.readStored(ctx, key)
	if err != nil {
		return ProtoMessage{}, err
	}
	if !found {
		return ProtoMessage{}, apierrors.NewNotFound(r.rc.GroupResource, name)
	}
	data, err := r.plain(ctx, key, stored)
	if err != nil {
		return ProtoMessage{}, err
	}
	if msg, ok := messageWithRV(data, modRev); ok {
		return msg, nil
	}
	obj, err := r.decodePlain(key, data, modRev)
	if err != nil {
		return ProtoMessage{}, err
	}
	msg, err := marshalProto(obj)
	return MessageOf(msg), err
}

func marshalProto(obj runtime.Object) ([]byte, error) {
	m, ok := obj.(protoMarshaler)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: %T has no protobuf encoding", obj))
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: encode %T: %w", obj, err))
	}
	return b, nil
}

// messageWithRV takes the object message out of plain stored bytes (a k8s
// protobuf envelope whose object has an empty resourceVersion) and returns
// it with resourceVersion rev, pointing into plain. ok is false when the
// bytes are not shaped that way; the caller then decodes.
func messageWithRV(plain []byte, rev int64) (msg ProtoMessage, ok bool) {
	env, ok := protoenvelope.Read(plain)
	if !ok {
		return ProtoMessage{}, false
	}
	return rvMessage(env.Raw, rev)
}

// setMessageRV returns a copy of the object message obj with
// metadata.resourceVersion replaced by rev. ok is false when obj has no
// metadata field or its metadata no resourceVersion field (rvMessage).
func setMessageRV(obj []byte, rev int64) (out []byte, ok bool) {
	m, ok := rvMessage(obj, rev)
	if !ok {
		return nil, false
	}
	return m.Bytes(), true
}

// findBytesField finds the first length-delimited field num in msg. It
// returns where the field starts (its tag) and ends in msg, and its value.
func findBytesField(msg []byte, num protowire.Number) (start, end int, value []byte, ok bool) {
	for i := 0; i < len(msg); {
		n, typ, tagLen := protowire.ConsumeTag(msg[i:])
		if tagLen < 0 {
			return 0, 0, nil, false
		}
		if n == num && typ == protowire.BytesType {
			v, vLen := protowire.ConsumeBytes(msg[i+tagLen:])
			if vLen < 0 {
				return 0, 0, nil, false
			}
			return i, i + tagLen + vLen, v, true
		}
		fLen := protowire.ConsumeFieldValue(n, typ, msg[i+tagLen:])
		if fLen < 0 {
			return 0, 0, nil, false
		}
		i += tagLen + fLen
	}
	return 0, 0, nil, false
}
