package apiserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
	"github.com/skiff-dev/skiff/internal/storage"
)

// Field numbers of every k8s list message: ListMeta is field 1, the items
// field 2.
const (
	fieldListMeta  protowire.Number = 1
	fieldListItems protowire.Number = 2
)

// protobufStore returns the endpoint's storage when the response can be
// written from storage's protobuf messages: the client asked for plain
// objects in protobuf and the endpoint serves objects as they are stored
// (no conversion from a storage version).
func protobufStore(r *http.Request, ep *endpoint) (*storage.Resource, bool) {
	acc, ok := negotiate(r)
	if !ok || acc.kind != outputObject || acc.mediaType != mediaProtobuf {
		return nil, false
	}
	st, ok := ep.store.(*storage.Resource)
	return st, ok
}

// getProtobuf answers a get for a protobuf client with the stored bytes,
// decoding and encoding nothing.
func (s *Server) getProtobuf(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, st *storage.Resource, info requestInfo) error {
	msg, err := st.GetProtobuf(ctx, info.Namespace, info.Name, queryValue(r, "resourceVersion"))
	if err != nil {
		return err
	}
	s.writeStoredProtobuf(w, r, http.StatusOK, ep, msg)
	return nil
}

// writeStoredProtobuf answers with the object message msg of the
// endpoint's kind, as storage keeps it, for a client that asked for
// protobuf (protobufStore).
func (s *Server) writeStoredProtobuf(w http.ResponseWriter, r *http.Request, code int, ep *endpoint, msg storage.ProtoMessage) {
	setContentType(w.Header(), mediaProtobuf)
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	if err := writeProtobufObject(w, ep.protoHead, msg); err != nil {
		s.log.Error("encode response", "err", err)
	}
}

// envelopeHead is the start of a k8s protobuf envelope of kind gvk, byte
// for byte as the protobuf serializer writes a runtime.Unknown: the magic,
// TypeMeta as field 1, and the tag of the raw object (field 2), whose
// length and bytes follow.
func envelopeHead(gvk schema.GroupVersionKind) []byte {
	tm := runtime.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}
	typeMeta, err := tm.Marshal()
	if err != nil {
		panic(fmt.Sprintf("encode type metadata of %v: %v", gvk, err)) // a struct of two strings always encodes
	}
	head := append([]byte(nil), protoenvelope.Magic...)
	head = protowire.AppendTag(head, 1, protowire.BytesType)
	head = protowire.AppendBytes(head, typeMeta)
	return protowire.AppendTag(head, 2, protowire.BytesType)
}

// writeProtobufObject writes the object message msg in the envelope that
// head starts (envelopeHead): what the protobuf serializer writes for
// envelope(gvk, msg), without assembling it first.
func writeProtobufObject(w io.Writer, head []byte, msg storage.ProtoMessage) error {
	var n [binary.MaxVarintLen64]byte
	for _, b := range [][]byte{head, protowire.AppendVarint(n[:0], uint64(msg.Len()))} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if _, err := msg.WriteTo(w); err != nil {
		return err
	}
	_, err := w.Write(unknownTail)
	return err
}

// listProtobuf answers a list for a protobuf client from the items'
// protobuf messages, which the watch cache keeps as they are stored, and
// streams them to the client without assembling the list first.
func (s *Server) listProtobuf(w http.ResponseWriter, r *http.Request, ep *endpoint, res *storage.ListResult) error {
	lm := metav1.ListMeta{
		ResourceVersion:    strconv.FormatUint(res.ResourceVersion, 10),
		Continue:           res.Continue,
		RemainingItemCount: res.RemainingItemCount,
	}
	msgs := make([][]byte, res.Len())
	for i := range msgs {
		msg, ok := res.Protobuf(i)
		if !ok {
			var err error
			if msg, err = marshalItem(res.Objects()[i]); err != nil {
				return err
			}
		}
		msgs[i] = msg
	}
	setContentType(w.Header(), mediaProtobuf)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if err := writeProtobufList(w, ep.gvk.GroupVersion().WithKind(ep.res.ListKind()), lm, msgs); err != nil {
		s.log.Error("encode response", "err", err)
	}
	return nil
}

// writeProtobufList writes a list of kind gvk in the k8s protobuf
// envelope, byte for byte as the protobuf serializer writes the typed
// list: the envelope (runtime.Unknown) holds TypeMeta as field 1 and the
// list message as field 2, then two empty strings (content encoding and
// type); the list message holds ListMeta as field 1 and each item as
// field 2.
func writeProtobufList(w io.Writer, gvk schema.GroupVersionKind, lm metav1.ListMeta, items [][]byte) error {
	meta, err := lm.Marshal()
	if err != nil {
		return fmt.Errorf("encode list metadata: %w", err)
	}
	size := protowire.SizeTag(fieldListMeta) + protowire.SizeBytes(len(meta))
	for _, it := range items {
		size += protowire.SizeTag(fieldListItems) + protowire.SizeBytes(len(it))
	}
	head := envelopeHead(gvk)
	head = protowire.AppendVarint(head, uint64(size))
	head = protowire.AppendTag(head, fieldListMeta, protowire.BytesType)
	head = protowire.AppendBytes(head, meta)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.Write(head)
	var itemHead []byte
	for _, it := range items {
		itemHead = protowire.AppendTag(itemHead[:0], fieldListItems, protowire.BytesType)
		itemHead = protowire.AppendVarint(itemHead, uint64(len(it)))
		bw.Write(itemHead)
		bw.Write(it)
	}
	bw.Write(unknownTail)
	return bw.Flush() // bufio keeps the first write error
}

// unknownTail ends an envelope: empty contentEncoding (field 3) and
// contentType (field 4), which the generated marshaler always writes.
var unknownTail = []byte{0x1a, 0x00, 0x22, 0x00}

// envelope wraps an encoded message of kind gvk in the k8s protobuf
// envelope; the protobuf serializer writes a runtime.Unknown as it is.
func envelope(gvk schema.GroupVersionKind, msg []byte) *runtime.Unknown {
	return &runtime.Unknown{
		TypeMeta: runtime.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind},
		Raw:      msg,
	}
}

func marshalItem(obj runtime.Object) ([]byte, error) {
	m, ok := obj.(interface{ Marshal() ([]byte, error) })
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("%T has no protobuf encoding", obj))
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("encode %T: %w", obj, err))
	}
	return b, nil
}
