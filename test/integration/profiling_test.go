package integration

import (
	"net/http"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// TestProfiling: with --profiling, /debug/pprof/ answers the admin, and a
// user RBAC grants nothing there gets 403, as for any non-resource URL.
func TestProfiling(t *testing.T) {
	resp, body := do(t, rawRequest{method: "GET", path: "/debug/pprof/"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap") {
		t.Fatalf("admin GET /debug/pprof/: code %d, body %.200q; want 200 listing the heap profile", resp.StatusCode, body)
	}
	if resp, body := do(t, rawRequest{method: "GET", path: "/debug/pprof/heap?debug=1"}); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Errorf("admin GET /debug/pprof/heap: code %d, body %.100q; want 200 with the heap profile", resp.StatusCode, body)
	}

	cfg := rest.CopyConfig(shared.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "pprof-nobody"}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = doWith(t, client, rawRequest{method: "GET", path: "/debug/pprof/"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /debug/pprof/ as pprof-nobody: code %d (%.200q); want 403", resp.StatusCode, body)
	}
}
