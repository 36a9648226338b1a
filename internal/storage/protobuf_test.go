package storage

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
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
		rv string
	}{
		{name: "small pod", obj: pod("ns", "a", nil), rv: "7"},
		{name: "large metadata", obj: big, rv: "123456789012"},
		{name: "configmap", obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}, Data: map[string]string{"k": "v"}}, rv: "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.obj.SetResourceVersion("")
			empty, err := tt.obj.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			tt.obj.SetResourceVersion(tt.rv)
			want, err := tt.obj.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, ok := setMessageRV(empty, tt.rv)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("setMessageRV(%s) = %x, %v; want %x, true", tt.rv, got, ok, want)
			}
		})
	}
	if got, ok := setMessageRV([]byte{0xff}, "1"); ok {
		t.Errorf("setMessageRV(garbage) = %x, true; want false", got)
	}
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
			got, err := r.GetProtobuf(ctx, "ns1", "a", tt.rv)
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
