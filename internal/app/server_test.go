package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
