package integration

import (
	"net/http"
	"strings"
	"testing"
)

// endpointsWarning is what upstream 1.33+ answers to every request of v1
// Endpoints (KEP-4974, from the type's APILifecycle methods).
const endpointsWarning = `299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"`

// TestDeprecatedEndpoints: every request of v1 Endpoints, a failing one
// too, carries upstream's deprecation warning and is counted in
// apiserver_requested_deprecated_apis; EndpointSlices and ConfigMaps carry
// none.
func TestDeprecatedEndpoints(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct {
		method, path, body string
		code               int
		warned             bool
	}{
		{"POST", "/api/v1/namespaces/" + ns + "/endpoints", `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"e"}}`, http.StatusCreated, true},
		{"GET", "/api/v1/namespaces/" + ns + "/endpoints/e", "", http.StatusOK, true},
		{"GET", "/api/v1/namespaces/" + ns + "/endpoints", "", http.StatusOK, true},
		{"GET", "/api/v1/endpoints?watch=true&timeoutSeconds=1", "", http.StatusOK, true},
		{"GET", "/api/v1/namespaces/" + ns + "/endpoints/missing", "", http.StatusNotFound, true},
		{"DELETE", "/api/v1/namespaces/" + ns + "/endpoints/e", "", http.StatusOK, true},
		{"GET", "/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices", "", http.StatusOK, false},
		{"GET", "/api/v1/namespaces/" + ns + "/configmaps", "", http.StatusOK, false},
	} {
		r := rawRequest{method: tc.method, path: tc.path}
		if tc.body != "" {
			r.contentType, r.body = "application/json", []byte(tc.body)
		}
		resp, out := do(t, r)
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: code %d; want %d (%s)", tc.method, tc.path, resp.StatusCode, tc.code, out)
		}
		warnings := resp.Header.Values("Warning")
		if got := len(warnings) == 1 && warnings[0] == endpointsWarning; got != tc.warned {
			t.Errorf("%s %s: Warning headers %q; want the Endpoints deprecation: %v", tc.method, tc.path, warnings, tc.warned)
		}
	}
	_, body := do(t, rawRequest{method: "GET", path: "/metrics"})
	want := `apiserver_requested_deprecated_apis{group="",removed_release="",resource="endpoints",subresource="",version="v1"} 1`
	if !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if strings.Contains(string(body), `apiserver_requested_deprecated_apis{group="",removed_release="",resource="configmaps"`) {
		t.Errorf("/metrics counts configmaps as deprecated")
	}
}
