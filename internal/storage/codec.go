package storage

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// key returns the etcd key of an object, or BadRequest when ns or name
// cannot form one.
func (r *Resource) key(ns, name string) (string, error) {
	switch {
	case name == "" || strings.Contains(name, "/") || name == "." || name == "..":
		return "", apierrors.NewBadRequest(fmt.Sprintf("invalid name %q", name))
	case r.rc.Namespaced && (ns == "" || strings.Contains(ns, "/")):
		return "", apierrors.NewBadRequest(fmt.Sprintf("invalid namespace %q for a namespaced resource", ns))
	case r.rc.Namespaced:
		return r.prefix + ns + "/" + name, nil
	case ns != "":
		return "", apierrors.NewBadRequest(fmt.Sprintf("namespace %q given for a cluster-scoped resource", ns))
	}
	return r.prefix + name, nil
}

// listPrefix returns the key prefix of a list in ns ("" = all).
func (r *Resource) listPrefix(ns string) string {
	if r.rc.Namespaced && ns != "" {
		return r.prefix + ns + "/"
	}
	return r.prefix
}

// encode returns the plain (untransformed) bytes of obj as stored: protobuf
// in the k8s envelope, TypeMeta set to the resource's kind and
// resourceVersion cleared. It sets obj's TypeMeta and clears its
// resourceVersion as a side effect.
func (r *Resource) encode(obj runtime.Object) ([]byte, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: %w", err))
	}
	acc.SetResourceVersion("")
	obj.GetObjectKind().SetGroupVersionKind(r.rc.GVK)
	var w heldWrites
	if enc, ok := r.store.codec.(runtime.EncoderWithAllocator); ok {
		// The serializer allocates each encoding for the call and writes
		// it once: held, it is not copied again into a buffer.
		err = enc.EncodeWithAllocator(obj, &w, &runtime.SimpleAllocator{})
	} else {
		var buf bytes.Buffer
		err = r.store.codec.Encode(obj, &buf)
		w.b = buf.Bytes()
	}
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: encode %s: %w", r.rc.GroupResource, err))
	}
	return w.b, nil
}

// heldWrites is an io.Writer that keeps what it is given: the slice of
// the first Write itself, so its writer must not reuse it (an encoder
// writing a buffer it allocated for the call), and copies from the
// second Write on.
type heldWrites struct {
	b      []byte
	writes int
}

func (w *heldWrites) Write(p []byte) (int, error) {
	switch w.writes {
	case 0:
		w.b = p
	case 1:
		w.b = append(append(make([]byte, 0, len(w.b)+len(p)), w.b...), p...)
	default:
		w.b = append(w.b, p...)
	}
	w.writes++
	return len(p), nil
}

// toStorage applies the transformer to plain bytes.
func (r *Resource) toStorage(ctx context.Context, key string, plain []byte) ([]byte, error) {
	out, err := r.store.cfg.Transformer.TransformToStorage(ctx, plain, key)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: transform %s: %w", key, err))
	}
	return out, nil
}

// plain reverses the transformer.
func (r *Resource) plain(ctx context.Context, key string, stored []byte) ([]byte, error) {
	out, err := r.store.cfg.Transformer.TransformFromStorage(ctx, stored, key)
	if err != nil {
		r.store.log.Error("cannot transform stored object", "key", key, "err", err)
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: transform %s: %w", key, err))
	}
	return out, nil
}

// decodePlain decodes plain bytes into a new object with resourceVersion rev.
// Failures are logged and returned as InternalError.
func (r *Resource) decodePlain(key string, data []byte, rev int64) (runtime.Object, error) {
	into := r.rc.New()
	obj, err := decodeInPlace(data, into, r.rc.GVK)
	if obj == nil && err == nil {
		obj, _, err = r.store.codec.Decode(data, nil, into)
	}
	if err != nil {
		r.store.log.Error("cannot decode stored object", "key", key, "err", err)
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: decode %s: %w", key, err))
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("storage: decode %s: %w", key, err))
	}
	acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	obj.GetObjectKind().SetGroupVersionKind(r.rc.GVK)
	return obj, nil
}

// decodeInPlace decodes plain bytes of an object of kind gvk into into, a
// new object of that kind, as the protobuf serializer would but without
// copying the object's bytes out of the envelope first (protoenvelope.Read).
// It returns nil and no error for bytes it leaves to the serializer: not
// a plain envelope, of another kind, or into without a protobuf decoder.
func decodeInPlace(data []byte, into runtime.Object, gvk schema.GroupVersionKind) (runtime.Object, error) {
	env, ok := protoenvelope.Read(data)
	u, decodes := into.(interface{ Unmarshal([]byte) error })
	if !ok || !decodes || !env.Is(gvk) {
		return nil, nil
	}
	if err := u.Unmarshal(env.Raw); err != nil {
		return nil, err
	}
	return into, nil
}

// decode transforms and decodes stored bytes.
func (r *Resource) decode(ctx context.Context, key string, stored []byte, rev int64) (runtime.Object, error) {
	data, err := r.plain(ctx, key, stored)
	if err != nil {
		return nil, err
	}
	return r.decodePlain(key, data, rev)
}

// setRV sets obj's resourceVersion.
func setRV(obj runtime.Object, rev int64) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("storage: %w", err))
	}
	acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}

// parseRV parses a resourceVersion parameter; "" is 0.
func parseRV(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", rv))
	}
	return n, nil
}

// defaultAttrs matches labels and metadata.name/metadata.namespace.
func defaultAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	return labels.Set(acc.GetLabels()), fields.Set{
		"metadata.name":      acc.GetName(),
		"metadata.namespace": acc.GetNamespace(),
	}, nil
}
