package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
	msg, err := st.GetProtobuf(ctx, info.Namespace, info.Name, r.URL.Query().Get("resourceVersion"))
	if err != nil {
		return err
	}
	s.writeObject(w, r, http.StatusOK, envelope(ep.gvk, msg))
	return nil
}

// listProtobuf answers a list for a protobuf client from the items'
// protobuf messages, which the watch cache encodes once per object.
func (s *Server) listProtobuf(w http.ResponseWriter, r *http.Request, ep *endpoint, res *storage.ListResult) error {
	lm := metav1.ListMeta{
		ResourceVersion:    strconv.FormatUint(res.ResourceVersion, 10),
		Continue:           res.Continue,
		RemainingItemCount: res.RemainingItemCount,
	}
	msgs := make([][]byte, len(res.Items))
	for i := range res.Items {
		msg, ok := res.Protobuf(i)
		if !ok {
			var err error
			if msg, err = marshalItem(res.Items[i]); err != nil {
				return err
			}
		}
		msgs[i] = msg
	}
	raw, err := listMessage(lm, msgs)
	if err != nil {
		return err
	}
	s.writeObject(w, r, http.StatusOK, envelope(ep.gvk.GroupVersion().WithKind(ep.res.ListKind()), raw))
	return nil
}

// listMessage encodes a k8s list message from its ListMeta and the
// encoded items, byte for byte as the generated marshalers do.
func listMessage(lm metav1.ListMeta, items [][]byte) ([]byte, error) {
	meta, err := lm.Marshal()
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("encode list metadata: %w", err))
	}
	size := protowire.SizeTag(fieldListMeta) + protowire.SizeBytes(len(meta))
	for _, it := range items {
		size += protowire.SizeTag(fieldListItems) + protowire.SizeBytes(len(it))
	}
	out := make([]byte, 0, size)
	out = protowire.AppendTag(out, fieldListMeta, protowire.BytesType)
	out = protowire.AppendBytes(out, meta)
	for _, it := range items {
		out = protowire.AppendTag(out, fieldListItems, protowire.BytesType)
		out = protowire.AppendBytes(out, it)
	}
	return out, nil
}

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
