package apiserver

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/storage"
)

// TestWriteProtobufList checks the streamed list against what the
// protobuf serializer writes for the typed list.
func TestWriteProtobufList(t *testing.T) {
	remaining := int64(3)
	cm := func(name string) corev1.ConfigMap {
		return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "5"}, Data: map[string]string{"k": name}}
	}
	many := make([]corev1.ConfigMap, 300)
	for i := range many {
		many[i] = cm(string(rune('a' + i%26)))
	}
	tests := []struct {
		name string
		list corev1.ConfigMapList
	}{
		{name: "empty", list: corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}}},
		{name: "items", list: corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: []corev1.ConfigMap{cm("a"), cm("b")}}},
		{name: "page", list: corev1.ConfigMapList{
			ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "tok", RemainingItemCount: &remaining},
			Items:    []corev1.ConfigMap{cm("a")},
		}},
		{name: "larger than the write buffer", list: corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: many}},
	}
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMapList")
	ser := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.list.SetGroupVersionKind(gvk)
			var want bytes.Buffer
			if err := ser.Encode(&tt.list, &want); err != nil {
				t.Fatal(err)
			}
			var items [][]byte
			for i := range tt.list.Items {
				b, err := tt.list.Items[i].Marshal()
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, b)
			}
			var got bytes.Buffer
			err := writeProtobufList(&got, gvk, tt.list.ListMeta, items)
			if err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("writeProtobufList() = %x, %v; want %x", got.Bytes(), err, want.Bytes())
			}
		})
	}
}

// TestWriteProtobufObject: an object written from its stored message is,
// byte for byte, what the protobuf serializer writes for its envelope,
// for kinds in the core and named groups and for messages whose length
// takes one, two and three bytes.
func TestWriteProtobufObject(t *testing.T) {
	codecs := serializer.NewCodecFactory(scheme.Scheme)
	sinfo, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		t.Fatal("no protobuf serializer")
	}
	small := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	mid, big := small.DeepCopy(), small.DeepCopy()
	mid.Annotations = map[string]string{"a": strings.Repeat("x", 300)}
	big.Annotations = map[string]string{"a": strings.Repeat("x", 40000)}
	for _, gvk := range []schema.GroupVersionKind{corev1.SchemeGroupVersion.WithKind("Pod"), {Group: "apps", Version: "v1", Kind: "Deployment"}} {
		for _, p := range []*corev1.Pod{small, mid, big} {
			msg := mustMarshal(t, p)
			var want, got bytes.Buffer
			if err := sinfo.Serializer.Encode(envelope(gvk, msg), &want); err != nil {
				t.Fatal(err)
			}
			if err := writeProtobufObject(&got, envelopeHead(gvk), storage.MessageOf(msg)); err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%v, %d bytes: writeProtobufObject() = %x..., %v; want %x...", gvk, len(msg), got.Bytes()[:min(got.Len(), 60)], err, want.Bytes()[:min(want.Len(), 60)])
			}
		}
	}
}
