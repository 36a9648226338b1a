package integration

import (
	"net/http"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

func TestHealthAndMetrics(t *testing.T) {
	tests := []struct {
		path string
		// want must be in the body.
		want []string
	}{
		{path: "/healthz", want: []string{"ok"}},
		{path: "/livez", want: []string{"ok"}},
		{path: "/readyz", want: []string{"ok"}},
		{path: "/readyz?verbose", want: []string{"[+]ping ok", "[+]etcd ok", "readyz check passed"}},
		{path: "/livez?verbose", want: []string{"[+]ping ok", "livez check passed"}},
		{path: "/readyz/etcd", want: []string{"ok"}},
		{path: "/version", want: []string{`"gitVersion"`, `"major": "1"`}},
	}
	for _, tc := range tests {
		resp, body := do(t, rawRequest{method: "GET", path: tc.path})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: code %d; want 200 (%s)", tc.path, resp.StatusCode, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s = %q; want it to contain %q", tc.path, body, w)
			}
		}
	}
	// A request of our own, then the counter that saw it.
	do(t, rawRequest{method: "GET", path: "/api/v1/namespaces/default"})
	resp, body := do(t, rawRequest{method: "GET", path: "/metrics"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: code %d", resp.StatusCode)
	}
	for _, w := range []string{"apiserver_request_total{", `resource="namespaces"`, "apiserver_request_duration_seconds_bucket", "apiserver_storage_objects", `apiserver_watch_cache_events_received_total{resource="namespaces"}`,
		`apiserver_watch_cache_events_dispatched_total{resource="namespaces"}`, `apiserver_watch_cache_resource_version{resource="namespaces"}`,
		`apiserver_terminated_watchers_total{resource="namespaces"}`,
		`authorization_attempts_total{result="allowed"}`, "authorization_duration_seconds_bucket"} {
		if !strings.Contains(string(body), w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}

// TestUnauthenticated: without a client certificate the API answers 401
// while the health and version endpoints still answer.
func TestUnauthenticated(t *testing.T) {
	anon := &rest.Config{Host: shared.cfg.Host, TLSClientConfig: rest.TLSClientConfig{CAData: shared.cfg.CAData, ServerName: shared.cfg.ServerName}}
	client, err := rest.HTTPClientFor(anon)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/namespaces", "/apis", "/metrics", "/api/v1/namespaces/default/pods/x"} {
		resp, body := doWith(t, client, rawRequest{method: "GET", path: path})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: code %d; want 401", path, resp.StatusCode)
			continue
		}
		if st := decodeStatus(t, body); st.Reason != "Unauthorized" || st.Code != 401 {
			t.Errorf("anonymous GET %s: status %+v; want reason Unauthorized code 401", path, st)
		}
	}
	for _, path := range []string{"/readyz", "/healthz", "/livez", "/version"} {
		resp, body := doWith(t, client, rawRequest{method: "GET", path: path})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("anonymous GET %s: code %d; want 200 (%s)", path, resp.StatusCode, body)
		}
	}
}
