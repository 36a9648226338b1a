package bench

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/app"
)

// TestProfileInProcess runs the bench workload against a server started in
// this test process, so that `go test -cpuprofile` sees server and client
// together and a heap profile shows what the server keeps. It is a tool,
// not a check: it runs only when SKIFF_BENCH_PROFILE names a directory for
// heap profiles, e.g.
//
//	SKIFF_BENCH_PROFILE=/tmp/prof go test -run ProfileInProcess -cpuprofile /tmp/prof/cpu.out ./internal/bench
func TestProfileInProcess(t *testing.T) {
	out := os.Getenv("SKIFF_BENCH_PROFILE")
	if out == "" {
		t.Skip("SKIFF_BENCH_PROFILE is not set")
	}
	ctx := context.Background()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srv, err := app.StartServer(ctx, app.ServerConfig{
		DataDir: filepath.Join(dir, "data"), HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"), DisableAgent: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	defer srv.Stop()
	writeHeap(t, filepath.Join(out, "heap-idle.out"))

	cfg := Config{Binary: "in-process", Objects: 10000, Watchers: 1000, Progress: os.Stderr}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	cs, err := clientFor(srv.Kubeconfig, cfg.Wire)
	if err != nil {
		t.Fatal(err)
	}
	cleanup, err := clientFor(srv.Kubeconfig, "json")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, size := range cfg.Sizes {
		rows, err := crudRows(ctx, cs, cleanup, &cfg, size, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			t.Logf("%s %s %d: p50 %.2f ms p99 %.2f ms %.0f ops/s", r.Op, r.Resource, r.Objects, r.P50Ms, r.P99Ms, r.OpsPerSec)
		}
	}
	f, err := fanout(ctx, cs, cfg.Watchers, fanoutTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fan-out: %+v", f)
	if _, err := fillPods(ctx, cs, &cfg, cfg.Objects); err != nil {
		t.Fatal(err)
	}
	t.Logf("workload took %v", time.Since(start))
	writeHeap(t, filepath.Join(out, "heap-pods.out"))
}

func writeHeap(t *testing.T, path string) {
	t.Helper()
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}
