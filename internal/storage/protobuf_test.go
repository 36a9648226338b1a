package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strconv"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// TestSetMessageRV checks that writing a resourceVersion into an encoded
// object gives the bytes the generated marshaler gives for the object
// with that resourceVersion.
func TestSetMessageRV(t *testing.T) {
	big := pod("ns", "big", map[string]string{"app": "web"})
	big.Annotations = map[string]string{"a": string(make([]byte, 300))} // metadata length needs two varint bytes
	big.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate}}
	tests := []struct {
		name string
		obj  interface {
			runtime.Object
			protoMarshaler
			metav1.Object
		}
		rv int64
	}{
		{name: "small pod", obj: pod("ns", "a", nil), rv: 7},
		{name: "large metadata", obj: big, rv: 123456789012},
		{name: "largest revision", obj: big, rv: math.MaxInt64},
		{name: "configmap", obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}, Data: map[string]string{"k": "v"}}, rv: 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.obj.SetResourceVersion("")
			empty, err := tt.obj.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			tt.obj.SetResourceVersion(strconv.FormatInt(tt.rv, 10))
			want, err := tt.obj.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, ok := setMessageRV(empty, tt.rv)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("setMessageRV(%d) = %x, %v; want %x, true", tt.rv, got, ok, want)
			}
			m, ok := rvMessage(empty, tt.rv)
			if !ok {
				t.Fatalf("rvMessage(%d) not ok", tt.rv)
			}
			if got := messageBytes(t, m); !bytes.Equal(got, want) {
				t.Errorf("rvMessage(%d) = %x; want %x", tt.rv, got, want)
			}
			// A message that has a resourceVersion already gets the new one.
			if m, ok := rvMessage(want, 5); !ok || !bytes.Equal(messageBytes(t, m), mustSetRV(t, empty, 5)) {
				t.Errorf("rvMessage(message at %d, 5) = %x, %v; want the message at 5", tt.rv, m.Bytes(), ok)
			}
			// The revision's field is the one allocation: the message is
			// written from the bytes it points into.
			if n := testing.AllocsPerRun(20, func() { _, _ = m.WriteTo(io.Discard) }); n > 1 {
				t.Errorf("WriteTo made %.0f allocations; want at most 1", n)
			}
		})
	}
	if got, ok := setMessageRV([]byte{0xff}, 1); ok {
		t.Errorf("setMessageRV(garbage) = %x, true; want false", got)
	}
	if _, ok := rvMessage(nil, 1); ok {
		t.Error("rvMessage(nil) ok; want not")
	}
}

func mustSetRV(t *testing.T, obj []byte, rev int64) []byte {
	t.Helper()
	out, ok := setMessageRV(obj, rev)
	if !ok {
		t.Fatalf("setMessageRV(%x, %d) not ok", obj, rev)
	}
	return out
}

// messageBytes returns m's bytes, checking that every way of reading m
// (Bytes, Len, WriteTo, AppendTo) gives the same.
func messageBytes(t *testing.T, m ProtoMessage) []byte {
	t.Helper()
	b := m.Bytes()
	if m.Len() != len(b) {
		t.Errorf("Len() = %d; want %d, the length of Bytes()", m.Len(), len(b))
	}
	var buf bytes.Buffer
	if n, err := m.WriteTo(&buf); err != nil || n != int64(len(b)) || !bytes.Equal(buf.Bytes(), b) {
		t.Errorf("WriteTo() = %x, %d, %v; want Bytes() %x", buf.Bytes(), n, err, b)
	}
	if got := m.AppendTo([]byte("x")); !bytes.Equal(got, append([]byte("x"), b...)) {
		t.Errorf("AppendTo(x) = %x; want x and Bytes() %x", got, b)
	}
	return b
}

// TestProtoMessageWriteError: WriteTo stops at the writer's first error
// and reports it with what was written until then.
func TestProtoMessageWriteError(t *testing.T) {
	p := pod("ns", "a", nil)
	empty, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := rvMessage(empty, 9)
	if !ok {
		t.Fatal("rvMessage not ok")
	}
	w := &failAfter{n: 2}
	n, err := m.WriteTo(w)
	if !errors.Is(err, errWriteFailed) || w.calls != 3 || n != int64(w.written) {
		t.Errorf("WriteTo(failing writer) = %d, %v after %d calls (%d bytes); want errWriteFailed at the third call", n, err, w.calls, w.written)
	}
	if MessageOf(nil).IsZero() != true || MessageOf(empty).IsZero() || !bytes.Equal(MessageOf(empty).Bytes(), empty) {
		t.Error("MessageOf: a nil message should be zero, a complete one itself")
	}
}

var errWriteFailed = errors.New("write failed")

// failAfter accepts n writes and fails the next.
type failAfter struct {
	n, calls, written int
}

func (w *failAfter) Write(p []byte) (int, error) {
	w.calls++
	if w.calls > w.n {
		return 0, errWriteFailed
	}
	w.written += len(p)
	return len(p), nil
}

// TestGetProtobuf checks that every read path gives the encoding of the
// object Get returns, and that listed items carry their encodings.
func TestGetProtobuf(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	r := e.pods
	created := mustCreate(t, r, pod("ns1", "a", map[string]string{"x": "y"}))
	rv := strconv.FormatInt(rvOf(t, created), 10)
	want, err := created.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, rv string
	}{
		{name: "consistent read from etcd", rv: ""},
		{name: "cache at rv", rv: rv},
		{name: "cache as it is", rv: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := r.GetProtobuf(ctx, "ns1", "a", tt.rv)
			got := messageBytes(t, msg)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("GetProtobuf(ns1, a, %q) = %x, %v; want %x", tt.rv, got, err, want)
			}
		})
	}
	if _, err := r.GetProtobuf(ctx, "ns1", "missing", ""); err == nil {
		t.Errorf("GetProtobuf(missing) error = nil; want NotFound")
	}

	res, err := r.List(ctx, "ns1", ListOptions{ResourceVersion: rv, Field: fields.Everything()})
	if err != nil || res.Len() != 1 {
		t.Fatalf("List() = %v, %v; want one item", res, err)
	}
	got, ok := res.Protobuf(0)
	if !ok || !bytes.Equal(got, want) {
		t.Errorf("List().Protobuf(0) = %x, %v; want %x, true", got, ok, want)
	}
	// The entry's own bytes: no encoding, decoding or copying.
	if n := testing.AllocsPerRun(20, func() { res.Protobuf(0) }); n != 0 {
		t.Errorf("List().Protobuf(0) made %.0f allocations; want none", n)
	}
}

// TestDecodeInPlace: stored bytes decode in place to what the protobuf
// serializer decodes, and every envelope the fast path does not handle
// exactly (another kind, a content encoding, a field of another wire
// type, truncated bytes) is left to the serializer.
// TestCreateProtobuf: the message a create returns is what the created
// object encodes to, resourceVersion included, and what a get then reads;
// an existing name is AlreadyExists and stores nothing.
func TestCreateProtobuf(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	r := e.pods
	created, msg, err := r.CreateProtobuf(ctx, "ns1", "a", pod("ns1", "a", map[string]string{"x": "y"}))
	if err != nil {
		t.Fatalf("CreateProtobuf() error = %v", err)
	}
	p := created.(*corev1.Pod)
	if p.ResourceVersion == "" {
		t.Fatal("CreateProtobuf() returned no resourceVersion")
	}
	want, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got := messageBytes(t, msg); !bytes.Equal(got, want) {
		t.Errorf("CreateProtobuf() message = %x; want the object's encoding %x", got, want)
	}
	if got, err := r.GetProtobuf(ctx, "ns1", "a", ""); err != nil || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("GetProtobuf() after the create = %x, %v; want the create's message", got.Bytes(), err)
	}
	if _, msg, err := r.CreateProtobuf(ctx, "ns1", "a", pod("ns1", "a", nil)); !apierrors.IsAlreadyExists(err) || !msg.IsZero() {
		t.Errorf("CreateProtobuf() of an existing name = %x, %v; want no message and AlreadyExists", msg.Bytes(), err)
	}
}

// TestUpdateProtobuf: the message an update returns is what the resulting
// object encodes to, for a write and for an update that changes nothing
// (no write: the stored object and its resourceVersion), and what a get
// then reads.
func TestUpdateProtobuf(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	r := e.pods
	mustCreate(t, r, pod("ns1", "a", map[string]string{"x": "y"}))
	var written string
	for _, tt := range []struct {
		name  string
		label string
	}{{"write", "z"}, {"no change", "z"}} {
		obj, msg, err := r.UpdateProtobuf(ctx, "ns1", "a", func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.Pod).Labels["x"] = tt.label
			return cur, nil
		})
		if err != nil {
			t.Fatalf("%s: UpdateProtobuf() error = %v", tt.name, err)
		}
		want, err := obj.(*corev1.Pod).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if got := messageBytes(t, msg); !bytes.Equal(got, want) {
			t.Errorf("%s: UpdateProtobuf() message = %x; want the object's encoding %x", tt.name, got, want)
		}
		if rv := obj.(*corev1.Pod).ResourceVersion; tt.name == "write" {
			written = rv
		} else if rv != written {
			t.Errorf("an update that changes nothing returned resourceVersion %s; want the write's %s", rv, written)
		}
		if got, err := r.GetProtobuf(ctx, "ns1", "a", ""); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: GetProtobuf() after the update = %x, %v; want the update's message", tt.name, got.Bytes(), err)
		}
	}
}

func TestDecodeInPlace(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	codec := protobuf.NewSerializer(scheme, scheme)
	podGVK := corev1.SchemeGroupVersion.WithKind("Pod")
	p := pod("ns", "a", map[string]string{"app": "web"})
	p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	var buf bytes.Buffer
	if err := codec.Encode(p, &buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	got, err := decodeInPlace(data, &corev1.Pod{}, podGVK)
	if err != nil || got == nil {
		t.Fatalf("decodeInPlace = %v, %v; want the pod", got, err)
	}
	want, _, err := codec.Decode(data, nil, &corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	got.GetObjectKind().SetGroupVersionKind(podGVK)
	want.GetObjectKind().SetGroupVersionKind(podGVK)
	if !apiequality.Semantic.DeepEqual(got, want) {
		t.Errorf("decodeInPlace = %+v\nwant %+v", got, want)
	}
	// The decoded object shares no bytes with the stored ones.
	for i := range data {
		data[i] = 0
	}
	if got.(*corev1.Pod).Name != "a" || got.(*corev1.Pod).Labels["app"] != "web" {
		t.Errorf("decoded pod changed with the stored bytes: %+v", got)
	}

	env := func(fields ...[]byte) []byte {
		return append(append([]byte(nil), protoenvelope.Magic...), bytes.Join(fields, nil)...)
	}
	field := func(num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	typeMeta := func(av, kind string) []byte {
		return field(protoenvelope.FieldUnknownTypeMeta, append(field(protoenvelope.FieldTypeMetaAPIVersion, []byte(av)), field(protoenvelope.FieldTypeMetaKind, []byte(kind))...))
	}
	msg, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	leftToSerializer := map[string][]byte{
		"another kind":     env(typeMeta("v1", "ConfigMap"), field(protoenvelope.FieldUnknownRaw, msg)),
		"another group":    env(typeMeta("apps/v1", "Pod"), field(protoenvelope.FieldUnknownRaw, msg)),
		"content encoding": env(typeMeta("v1", "Pod"), field(protoenvelope.FieldUnknownRaw, msg), field(protoenvelope.FieldUnknownContentEncoding, []byte("gzip"))),
		"varint field":     append(env(typeMeta("v1", "Pod"), field(protoenvelope.FieldUnknownRaw, msg)), protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 1)...),
		"truncated":        env(typeMeta("v1", "Pod"), field(protoenvelope.FieldUnknownRaw, msg))[:len(protoenvelope.Magic)+20],
		"json":             []byte(`{"apiVersion":"v1","kind":"Pod"}`),
	}
	for name, b := range leftToSerializer {
		if got, err := decodeInPlace(b, &corev1.Pod{}, podGVK); got != nil || err != nil {
			t.Errorf("%s: decodeInPlace = %v, %v; want it left to the serializer", name, got, err)
		}
	}
}

// TestHeldWrites: one write is kept as given; more are joined in a slice
// of the writer's own.
func TestHeldWrites(t *testing.T) {
	first := []byte("k8s\x00")
	var one heldWrites
	_, _ = one.Write(first)
	if &one.b[0] != &first[0] {
		t.Error("a single write was copied")
	}
	var two heldWrites
	_, _ = two.Write(first)
	_, _ = two.Write([]byte("rest"))
	_, _ = two.Write([]byte("!"))
	if string(two.b) != "k8s\x00rest!" || &two.b[0] == &first[0] {
		t.Errorf("writes joined as %q (sharing the first: %v)", two.b, &two.b[0] == &first[0])
	}
	if string(first) != "k8s\x00" {
		t.Errorf("the first write's bytes changed: %q", first)
	}
}
