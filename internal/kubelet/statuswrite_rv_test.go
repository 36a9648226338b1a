package kubelet

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// TestResourceVersionOf reads the resourceVersion of a pod as the API
// answers a status patch, in protobuf and JSON, without decoding the pod.
func TestResourceVersionOf(t *testing.T) {
	codecs := serializer.NewCodecFactory(scheme.Scheme)
	encode := func(mediaType string, obj runtime.Object) []byte {
		info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mediaType)
		if !ok {
			t.Fatalf("no serializer for %s", mediaType)
		}
		var buf bytes.Buffer
		if err := info.Serializer.Encode(obj, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u", ResourceVersion: "12345",
			Labels: map[string]string{"resourceVersion": "99"}},
		Spec:   corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1"}}
	noRV := pod.DeepCopy()
	noRV.ResourceVersion = ""
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"protobuf", encode(runtime.ContentTypeProtobuf, pod), "12345"},
		{"json", encode(runtime.ContentTypeJSON, pod), "12345"},
		{"protobuf without one", encode(runtime.ContentTypeProtobuf, noRV), ""},
		{"truncated protobuf", encode(runtime.ContentTypeProtobuf, pod)[:20], ""},
		{"not an object", []byte("oops"), ""},
	}
	for _, tt := range tests {
		if got := resourceVersionOf(tt.body); got != tt.want {
			t.Errorf("%s: resourceVersionOf = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestWriteStatusKeepsResourceVersion: a status write asks for protobuf
// and remembers the resourceVersion of the API's answer (statusBase needs
// it to tell stale pods from current ones).
func TestWriteStatusKeepsResourceVersion(t *testing.T) {
	codecs := serializer.NewCodecFactory(scheme.Scheme)
	info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		answer := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", ResourceVersion: "77"}}
		w.Header().Set("Content-Type", runtime.ContentTypeProtobuf)
		if err := info.Serializer.Encode(answer, w); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	w := &podWorker{k: &Kubelet{cfg: Config{Client: kubernetes.NewForConfigOrDie(&rest.Config{Host: srv.URL})}}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}}
	if err := w.writeStatus(context.Background(), pod, corev1.PodStatus{}, &corev1.PodStatus{Phase: corev1.PodRunning}); err != nil {
		t.Fatalf("writeStatus: %v", err)
	}
	if !strings.HasPrefix(accept, runtime.ContentTypeProtobuf) {
		t.Errorf("Accept = %q; want protobuf first", accept)
	}
	if w.writtenRV != 77 || w.written == nil || w.written.Phase != corev1.PodRunning {
		t.Errorf("after the write: writtenRV %d, written %v; want 77 and the Running status", w.writtenRV, w.written)
	}
}
