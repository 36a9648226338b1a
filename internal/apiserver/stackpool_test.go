package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGrownStacksServesAndFallsBack(t *testing.T) {
	release := make(chan struct{})
	blocked := make(chan struct{})
	h := GrownStacks(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			close(blocked)
			<-release
		}
		w.WriteHeader(http.StatusTeapot)
	}), 1, time.Minute)
	// The one worker is held by a slow request ...
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/block", nil))
	<-blocked
	// ... so the next request runs on its own goroutine and still finishes.
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/pods", nil))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != http.StatusTeapot {
			t.Fatalf("code %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request waited for the busy worker")
	}
	close(release)
	// Once free, the worker serves again.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/pods", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("code %d", rec.Code)
	}
}

func TestGrownStacksRepanicsOnTheRequestGoroutine(t *testing.T) {
	h := GrownStacks(t.Context(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}), 2, time.Minute)
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/pods", nil))
	t.Fatal("the panic did not reach the caller")
}

func TestLongRunning(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/pods?watch=true":                         true,
		"/api/v1/watch/pods":                              true,
		"/api/v1/namespaces/a/pods/p/log":                 true,
		"/api/v1/namespaces/a/pods/p/exec?command=sh":     true,
		"/api/v1/namespaces/a/services/s/proxy/healthz":   true,
		"/debug/pprof/profile?seconds=10":                 true,
		"/api/v1/namespaces/a/pods":                       false,
		"/api/v1/namespaces/a/pods/p/status":              false,
		"/apis/apps/v1/namespaces/a/deployments/d/scale":  false,
		"/api/v1/namespaces/a/configmaps/logs":            false,
		"/api/v1/namespaces/a/pods?watch=false&limit=500": false,
	} {
		if got := longRunning(httptest.NewRequest("GET", path, nil)); got != want {
			t.Errorf("%s: long-running %v, want %v", path, got, want)
		}
	}
}

// TestGrownStacksStartOnDemandAndEndWithTheServer: no worker runs before
// a request needs one; concurrent requests start as many as they need, a
// later request reuses them, and they end with the server's context.
func TestGrownStacksStartOnDemandAndEndWithTheServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	h := GrownStacks(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		}
		w.WriteHeader(http.StatusTeapot)
	}), 16, time.Minute)
	if n := waitStackWorkers(func(n int) bool { return n == 0 }); n != 0 {
		t.Fatalf("%d workers before any request; want none", n)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/block", nil)) })
	}
	if n := waitStackWorkers(func(n int) bool { return n >= 4 }); n != 4 {
		t.Fatalf("%d workers while 4 requests are served; want 4", n)
	}
	close(release)
	wg.Wait()
	for range 3 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/pods", nil))
	}
	if n := waitStackWorkers(func(int) bool { return true }); n != 4 {
		t.Fatalf("%d workers after more requests one at a time; want the same 4", n)
	}
	cancel()
	// Workers of the other tests end with their tests' contexts too.
	if n := waitStackWorkers(func(n int) bool { return n == 0 }); n > 0 {
		t.Fatalf("%d workers after the context ended; want none", n)
	}
	// Requests after that still get served, where they arrive.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/pods", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("code %d after the workers ended", rec.Code)
	}
	if n := waitStackWorkers(func(int) bool { return true }); n > 0 {
		t.Fatalf("%d workers started after the context ended; want none", n)
	}
}

// waitStackWorkers counts the goroutines running stackWorker until ok
// says the count will do, for at most 5 s, and returns the last count. A
// worker starts before the request that needed it returns, so a count
// that must not change needs no wait (ok always true).
func waitStackWorkers(ok func(int) bool) int {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := strings.Count(string(buf[:runtime.Stack(buf, true)]), "apiserver.stackWorker(")
		if ok(n) || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGrownStacksKeepTheirStacks: a worker's stack, grown by a deep
// request, survives the collections that follow while the worker waits.
// Without the floor each collection halved it.
func TestGrownStacksKeepTheirStacks(t *testing.T) {
	const workers, depth = 8, 60 // about 70 KiB of frames: 128 KiB stacks
	release := make(chan struct{})
	h := GrownStacks(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deepFrames(depth)
		<-release
	}), workers, time.Minute)
	stackInUse := func() uint64 {
		for range 5 {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.StackInuse
	}
	before := stackInUse()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/pods", nil)) })
	}
	waitStackWorkers(func(n int) bool { return n == workers })
	close(release)
	wg.Wait()
	after := stackInUse()
	if grown := int64(after) - int64(before); grown < workers*64<<10 {
		t.Fatalf("stacks in use grew by %d KiB after %d deep requests and five collections; want at least %d KiB kept",
			grown>>10, workers, workers*64)
	}
}

// deepFrames recurses n frames of about 1 KiB each.
//
//go:noinline
func deepFrames(n int) byte {
	var frame [1 << 10]byte
	frame[n%len(frame)] = byte(n)
	if n == 0 {
		return frame[0]
	}
	return deepFrames(n-1) + frame[n%len(frame)]
}

// TestGrownStacksEndWhenIdle: workers that get no job for the idle time
// end, and later requests start as many again.
func TestGrownStacksEndWhenIdle(t *testing.T) {
	h := GrownStacks(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}), 3, 50*time.Millisecond)
	for round := range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/block", nil).WithContext(ctx))
			})
		}
		if n := waitStackWorkers(func(n int) bool { return n == 3 }); n != 3 {
			t.Fatalf("round %d: %d workers while 3 requests are served; want 3", round, n)
		}
		cancel()
		wg.Wait()
		if n := waitStackWorkers(func(n int) bool { return n == 0 }); n != 0 {
			t.Fatalf("round %d: %d workers long after the last request; want none", round, n)
		}
	}
}
