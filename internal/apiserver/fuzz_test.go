package apiserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apis"
)

// fuzzEndpoint is a Deployment endpoint without storage, enough for
// decoding and selector parsing.
func fuzzEndpoint() (*Server, *endpoint) {
	res := &apis.Resource{
		GVR:     appsv1.SchemeGroupVersion.WithResource("deployments"),
		Kind:    "Deployment",
		New:     func() runtime.Object { return &appsv1.Deployment{} },
		NewList: func() runtime.Object { return &appsv1.DeploymentList{} },
	}
	s := &Server{codecs: serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)}
	return s, &endpoint{res: res, gvk: res.GroupVersionKind()}
}

// FuzzDecodeBody: no body, in any media type and validation mode, panics
// the decoder; every failure is an API error a client can read.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"}}`), "application/json", "Strict")
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  name: b\n"), "application/yaml", "Warn")
	f.Add([]byte(`{"spec":{"replicas":"x"}}`), "application/json", "Ignore")
	f.Add([]byte{0x6b, 0x38, 0x73, 0x00, 0x0a, 0x01}, "application/vnd.kubernetes.protobuf", "Strict")
	s, ep := fuzzEndpoint()
	f.Fuzz(func(t *testing.T, body []byte, contentType, mode string) {
		r := httptest.NewRequest(http.MethodPost, "/apis/apps/v1/namespaces/default/deployments", nil)
		r.Header.Set("Content-Type", contentType)
		obj, _, err := s.decodeBody(r, body, ep, mode)
		if err != nil {
			if st := statusFor(err); st.Code < 400 || st.Code >= 500 {
				t.Fatalf("decodeBody(%q) error %v has code %d; want 4xx", body, err, st.Code)
			}
			return
		}
		if got := obj.GetObjectKind().GroupVersionKind(); got != ep.gvk {
			t.Fatalf("decodeBody(%q) kind = %v; want %v", body, got, ep.gvk)
		}
	})
}

// FuzzSelectors: label and field selectors either parse or give 400.
func FuzzSelectors(f *testing.F) {
	f.Add("app=web,tier!=db", "metadata.name=a")
	f.Add("env in (a,b),!x", "status.phase!=Running")
	f.Add("a=(", "spec.nodeName==n")
	s, _ := fuzzEndpoint()
	_ = s
	pods := &endpoint{res: &apis.Resource{New: func() runtime.Object { return &corev1.Pod{} }}}
	f.Fuzz(func(t *testing.T, ls, fs string) {
		q := url.Values{"labelSelector": {ls}, "fieldSelector": {fs}}
		r := httptest.NewRequest(http.MethodGet, "/api/v1/pods?"+q.Encode(), nil)
		_, _, err := selectors(r, pods)
		if err != nil {
			if st := statusFor(err); st.Code != http.StatusBadRequest {
				t.Fatalf("selectors(%q, %q) error code %d; want 400", ls, fs, st.Code)
			}
		}
	})
}

// FuzzPatch: any patch document of any type either applies or fails with
// a 4xx API error; none panics.
func FuzzPatch(f *testing.F) {
	orig := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","labels":{"x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}`)
	f.Add([]byte(`[{"op":"replace","path":"/metadata/name","value":"b"}]`), 0)
	f.Add([]byte(`{"metadata":{"labels":{"x":null}}}`), 1)
	f.Add([]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"j"}]}}}}`), 2)
	f.Add([]byte(`{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"c"}]}}}}`), 2)
	kinds := []types.PatchType{types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType}
	f.Fuzz(func(t *testing.T, patch []byte, kind int) {
		if kind < 0 {
			kind = -kind
		}
		pt := kinds[kind%len(kinds)]
		_, err := patchJSON(orig, pt, patch, &appsv1.Deployment{})
		if err != nil {
			if st := statusFor(err); st.Code < 400 || st.Code >= 500 {
				t.Fatalf("patchJSON(%s, %q) error %v has code %d; want 4xx", pt, patch, err, st.Code)
			}
		}
	})
}

// FuzzApplyPatch: any patch of any type, under any field validation,
// applied to a pod as a PATCH request applies it, either gives a pod or
// fails with a 4xx API error; none panics.
func FuzzApplyPatch(f *testing.F) {
	f.Add([]byte(`{"status":{"conditions":[{"type":"Ready","status":"True"}]}}`), 2, 0)
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","$patch":"delete"}]}}`), 2, 1)
	f.Add([]byte(`{"metadata":{"labels":{"a":null}},"status":{"phase":1}}`), 2, 2)
	f.Add([]byte(`{"status":{"phase":"Running","bogus":[]}}`), 1, 0)
	f.Add([]byte(`[{"op":"add","path":"/metadata/labels/b","value":"c"}]`), 0, 1)
	s, ep := mergePatchEndpoint()
	kinds := []types.PatchType{types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType}
	modes := []string{validationStrict, validationWarn, validationIgnore}
	f.Fuzz(func(t *testing.T, patch []byte, kind, mode int) {
		pt, m := kinds[abs(kind)%len(kinds)], modes[abs(mode)%len(modes)]
		obj, _, err := s.applyPatch(ep, mergePatchPod(), pt, patch, m)
		if err != nil {
			if st := statusFor(err); st.Code < 400 || st.Code >= 500 {
				t.Fatalf("applyPatch(%s, %s, %q) error %v has code %d; want 4xx", pt, m, patch, err, st.Code)
			}
			return
		}
		if _, ok := obj.(*corev1.Pod); !ok {
			t.Fatalf("applyPatch(%s, %s, %q) = %T; want a pod", pt, m, patch, obj)
		}
	})
}

// abs is |n|, but for the least int, whose remainder is still negative.
func abs(n int) int {
	if n < 0 && -n > 0 {
		return -n
	}
	return max(n, 0)
}

// FuzzRequestInfo: any path parses without panicking.
func FuzzRequestInfo(f *testing.F) {
	f.Add("GET", "/api/v1/namespaces/default/pods/a/status")
	f.Add("DELETE", "/apis/apps/v1/namespaces/x/deployments")
	f.Add("GET", "/api/v1/watch/namespaces/default/pods")
	f.Fuzz(func(t *testing.T, method, path string) {
		u := &url.URL{Path: path}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}}
		parseRequestInfo(r)
	})
}
