package storage

import (
	"bytes"
	"context"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// protoMagic starts every k8s protobuf envelope (runtime.Unknown).
var protoMagic = []byte{0x6b, 0x38, 0x73, 0x00}

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
	env, ok := readEnvelope(plain)
	if !ok {
		return ProtoMessage{}, false
	}
	return rvMessage(env.raw, rev)
}

// envelope is a k8s protobuf envelope (runtime.Unknown) read in place:
// raw is a part of the bytes it was read from, where Unknown.Unmarshal
// copies it. Every stored object is read through one on its way into
// the watch cache, so the copy was a few percent of a busy server's
// garbage.
type envelope struct {
	apiVersion, kind []byte
	raw              []byte
}

// Field numbers of runtime.Unknown and of its TypeMeta.
const (
	fieldUnknownTypeMeta        protowire.Number = 1
	fieldUnknownRaw             protowire.Number = 2
	fieldUnknownContentEncoding protowire.Number = 3
	fieldTypeMetaAPIVersion     protowire.Number = 1
	fieldTypeMetaKind           protowire.Number = 2
)

// readEnvelope reads plain, stored bytes: protoMagic and an envelope with
// no content encoding. A field given twice takes its last value, as
// Unknown.Unmarshal does. ok is false for anything else, malformed
// bytes included; callers then take the serializer's path, which gives
// the exact error.
func readEnvelope(plain []byte) (env envelope, ok bool) {
	if !bytes.HasPrefix(plain, protoMagic) {
		return envelope{}, false
	}
	encoded := false
	ok = eachField(plain[len(protoMagic):], func(num protowire.Number, v []byte) bool {
		switch num {
		case fieldUnknownTypeMeta:
			return eachField(v, func(num protowire.Number, v []byte) bool {
				switch num {
				case fieldTypeMetaAPIVersion:
					env.apiVersion = v
				case fieldTypeMetaKind:
					env.kind = v
				}
				return true
			})
		case fieldUnknownRaw:
			env.raw = v
		case fieldUnknownContentEncoding:
			encoded = len(v) > 0
		}
		return true
	})
	return env, ok && !encoded
}

// is reports whether the envelope's type is gvk.
func (env envelope) is(gvk schema.GroupVersionKind) bool {
	av, g, v := env.apiVersion, gvk.Group, gvk.Version
	if string(env.kind) != gvk.Kind {
		return false
	}
	if g == "" {
		return string(av) == v
	}
	return len(av) == len(g)+1+len(v) && string(av[:len(g)]) == g && av[len(g)] == '/' && string(av[len(g)+1:]) == v
}

// eachField calls fn with the number and value of each field of msg,
// which must all be length-delimited, as every field of the envelope and
// of TypeMeta is. It stops when fn returns false, and is false then or
// when msg is malformed or holds a field of another wire type.
func eachField(msg []byte, fn func(num protowire.Number, v []byte) bool) bool {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 || typ != protowire.BytesType {
			return false
		}
		msg = msg[n:]
		v, n := protowire.ConsumeBytes(msg)
		if n < 0 || !fn(num, v) {
			return false
		}
		msg = msg[n:]
	}
	return true
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
