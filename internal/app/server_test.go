package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStartServerBusyPort: a server whose API port is taken fails with
// the listen error before it starts etcd (nothing is written under the
// data dir's etcd directory).
func TestStartServerBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	_, err = StartServer(context.Background(), ServerConfig{DataDir: dir, BindAddress: "127.0.0.1",
		HTTPSPort: busy.Addr().(*net.TCPAddr).Port, WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "listen") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("StartServer(busy port) error = %v; want the listen error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "server", "db", "etcd")); !os.IsNotExist(err) {
		t.Errorf("etcd directory exists after the failed start (stat error %v); want etcd never started", err)
	}
}

// TestFailedStartUndoesItsSteps: a start that fails at its last step (the
// scheduler's configuration file is not one) undoes every step before it:
// the error names the step, the API port is free again, etcd has let go of
// the data dir (a second start on it serves), and the goroutines the first
// start began have ended.
func TestFailedStartUndoesItsSteps(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: NotASchedulerConfiguration\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cfg := ServerConfig{DataDir: dir, BindAddress: "127.0.0.1", HTTPSPort: port,
		WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// A first start and stop leaves the process-wide goroutines that
	// libraries start once (klog's flusher and the like) before counting.
	srv, err := StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	before := settledGoroutines(0)

	failing := cfg
	failing.SchedulerConfig = bad
	if _, err := StartServer(context.Background(), failing); err == nil || !strings.HasPrefix(err.Error(), "scheduler: ") {
		t.Fatalf("StartServer(bad scheduler config) error = %v; want one that starts with %q", err, "scheduler: ")
	}
	if n := settledGoroutines(before); n > before {
		t.Errorf("%d goroutines after the failed start, %d before it; want the start's goroutines ended", n, before)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("the API port is still taken after the failed start: %v", err)
	}
	_ = ln.Close()

	srv, err = StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatalf("StartServer on the same data dir after the failed start: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("a second Stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("a second Stop is still waiting after 10 s; want it to return at once")
	}
}

// settledGoroutines waits up to 10 s for the process's goroutines to fall
// to at most want (0: for them to stop changing) and returns their number.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		m := runtime.NumGoroutine()
		if (want > 0 && m <= want) || (want == 0 && m == n) {
			return m
		}
		n = m
	}
	return n
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
