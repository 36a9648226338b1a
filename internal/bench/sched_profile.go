package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// serverProfile fetches a CPU profile of the server child over its
// /debug/pprof/profile endpoint (as the admin of its kubeconfig) for
// seconds and writes it to path; the returned channel carries the
// outcome once the profile is written.
func serverProfile(ctx context.Context, srv *child, path string, seconds int) <-chan error {
	done := make(chan error, 1)
	go func() { done <- fetchProfile(ctx, srv, path, seconds) }()
	return done
}

func fetchProfile(ctx context.Context, srv *child, path string, seconds int) error {
	return fetchDebug(ctx, srv, path, fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), time.Duration(seconds+30)*time.Second)
}

// fetchHeapProfile writes a heap profile of the server child, taken after
// a garbage collection, to path.
func fetchHeapProfile(ctx context.Context, srv *child, path string) error {
	return fetchDebug(ctx, srv, path, "/debug/pprof/heap?gc=1", 60*time.Second)
}

// fetchDebug GETs the server child's debug endpoint at uri as the admin
// of its kubeconfig and writes the body to path.
func fetchDebug(ctx context.Context, srv *child, path, uri string, timeout time.Duration) error {
	rc, err := clientcmd.BuildConfigFromFlags("", srv.kubeconfig)
	if err != nil {
		return fmt.Errorf("load %s: %w", srv.kubeconfig, err)
	}
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return err
	}
	hc.Timeout = timeout
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+uri, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("server %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("server %s: %s: %s", uri, resp.Status, body)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("server %s: %w", uri, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("server %s: %w", uri, err)
	}
	return f.Close()
}
