package apiserver

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestAppendWatchFrame: the frame built in one pass is, byte for byte,
// what the protobuf serializer and streaming encoder write for the same
// event, and a client decodes it back to the object.
func TestAppendWatchFrame(t *testing.T) {
	codecs := serializer.NewCodecFactory(scheme.Scheme)
	sinfo, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok || sinfo.StreamSerializer == nil {
		t.Fatal("no protobuf stream serializer")
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	small := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	big := small.DeepCopy()
	big.Annotations = map[string]string{"a": strings.Repeat("x", 40000)}
	tests := []struct {
		name string
		typ  string
		msg  []byte
	}{
		{"empty message", "ADDED", []byte{}},
		{"small pod", "MODIFIED", mustMarshal(t, small)},
		{"pod over 16 KiB (three-byte lengths)", "DELETED", mustMarshal(t, big)},
		{"bookmark", "BOOKMARK", mustMarshal(t, small)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inner, want bytes.Buffer
			if err := sinfo.Serializer.Encode(envelope(gvk, tt.msg), &inner); err != nil {
				t.Fatal(err)
			}
			enc := streaming.NewEncoder(sinfo.StreamSerializer.Framer.NewFrameWriter(&want), sinfo.StreamSerializer.Serializer)
			if err := enc.Encode(&metav1.WatchEvent{Type: tt.typ, Object: runtime.RawExtension{Raw: inner.Bytes()}}); err != nil {
				t.Fatal(err)
			}
			got := appendWatchFrame([]byte("kept"), tt.typ, "v1", "Pod", tt.msg)
			if !bytes.HasPrefix(got, []byte("kept")) || !bytes.Equal(got[4:], want.Bytes()) {
				t.Fatalf("appendWatchFrame differs from the encoders:\n got %x\nwant %x", got[4:min(len(got), 80)], want.Bytes()[:min(want.Len(), 76)])
			}
			if len(tt.msg) == 0 {
				return
			}
			dec := streaming.NewDecoder(sinfo.StreamSerializer.Framer.NewFrameReader(readCloser{bytes.NewReader(got[4:])}), sinfo.StreamSerializer.Serializer)
			var ev metav1.WatchEvent
			if _, _, err := dec.Decode(nil, &ev); err != nil {
				t.Fatalf("decode the frame: %v", err)
			}
			obj, err := runtime.Decode(codecs.UniversalDeserializer(), ev.Object.Raw)
			if err != nil {
				t.Fatalf("decode the object: %v", err)
			}
			if p, ok := obj.(*corev1.Pod); ev.Type != tt.typ || !ok || p.Name != "p" {
				t.Errorf("decoded %s %#v; want %s of pod p", ev.Type, obj, tt.typ)
			}
		})
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func mustMarshal(t *testing.T, p *corev1.Pod) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
