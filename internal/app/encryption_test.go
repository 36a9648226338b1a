package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/etcd"
)

const (
	oldKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	newKey = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" // 32 bytes
)

// encryptionConfig encrypts secrets with aescbc keys given as name, secret
// pairs, identity last.
func encryptionConfig(keys ...[2]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n")
	for _, k := range keys {
		b.WriteString("      - {name: " + k[0] + ", secret: " + k[1] + "}\n")
	}
	b.WriteString("  - identity: {}\n")
	return b.String()
}

// startAt starts a server on dataDir with cfg's extra fields and returns
// an in-process clientset.
func startAt(t *testing.T, dataDir string, cfg ServerConfig) (*Server, kubernetes.Interface) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPSPort = ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.BindAddress = dataDir, "127.0.0.1"
	cfg.WriteKubeconfig = filepath.Join(dataDir, "kubeconfig.yaml")
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatalf("StartServer() error = %v", err)
	}
	// Stopped when t ends, if the test has not: a server left running
	// would add its goroutines to every later test's.
	t.Cleanup(func() { _ = srv.Stop() })
	cs, err := kubernetes.NewForConfig(srv.Loopback())
	if err != nil {
		t.Fatal(err)
	}
	return srv, cs
}

// storedValue reads key straight from the stopped server's etcd.
func storedValue(t *testing.T, dataDir, key string) []byte {
	t.Helper()
	e := openStoppedEtcd(t, dataDir)
	defer e.Close()
	return getStored(t, e, key)
}

// openStoppedEtcd starts the embedded etcd of a stopped server's data dir.
func openStoppedEtcd(t *testing.T, dataDir string) *etcd.Server {
	t.Helper()
	e, err := etcd.Start(context.Background(), etcd.Config{DataDir: filepath.Join(dataDir, "server", "db", "etcd"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("etcd.Start() error = %v", err)
	}
	return e
}

// getStored reads the one value of key from e.
func getStored(t *testing.T, e *etcd.Server, key string) []byte {
	t.Helper()
	resp, err := e.Client().Get(context.Background(), key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("etcd Get(%s) = %v, %v; want one value", key, resp, err)
	}
	return resp.Kvs[0].Value
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEncryptionAtRestAndRotation creates a Secret with aescbc, finds only
// ciphertext in etcd, then rotates to a new key as upstream documents: new
// key first, restart, rewrite, drop the old key.
func TestEncryptionAtRestAndRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "encryption.yaml")
	const key = "/registry/secrets/default/db"
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"}, Data: map[string][]byte{"password": []byte("correct-horse-battery")}}

	stages := []struct {
		name       string
		keys       [][2]string
		act        func(t *testing.T, cs kubernetes.Interface)
		wantPrefix string
	}{
		{name: "create with the old key", keys: [][2]string{{"old", oldKey}},
			act: func(t *testing.T, cs kubernetes.Interface) {
				if _, err := cs.CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
					t.Fatalf("create secret: %v", err)
				}
			}, wantPrefix: "k8s:enc:aescbc:v1:old:"},
		{name: "new key first, replace rewrites unchanged secret", keys: [][2]string{{"new", newKey}, {"old", oldKey}},
			act: func(t *testing.T, cs kubernetes.Interface) {
				got, err := cs.CoreV1().Secrets("default").Get(ctx, "db", metav1.GetOptions{})
				if err != nil {
					t.Fatalf("get secret with both keys: %v", err)
				}
				if _, err := cs.CoreV1().Secrets("default").Update(ctx, got, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("replace secret: %v", err)
				}
			}, wantPrefix: "k8s:enc:aescbc:v1:new:"},
		{name: "old key removed, secret still reads", keys: [][2]string{{"new", newKey}},
			act: func(t *testing.T, cs kubernetes.Interface) {
				got, err := cs.CoreV1().Secrets("default").Get(ctx, "db", metav1.GetOptions{})
				if err != nil || string(got.Data["password"]) != "correct-horse-battery" {
					t.Fatalf("get secret after rotation = %v, %v; want the password", got, err)
				}
			}, wantPrefix: "k8s:enc:aescbc:v1:new:"},
	}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			writeFile(t, cfgPath, encryptionConfig(st.keys...))
			srv, cs := startAt(t, dir, ServerConfig{EncryptionProviderConfig: cfgPath})
			st.act(t, cs)
			if err := srv.Stop(); err != nil {
				t.Fatalf("Stop() = %v", err)
			}
			raw := storedValue(t, dir, key)
			if !bytes.HasPrefix(raw, []byte(st.wantPrefix)) {
				t.Errorf("etcd value starts %q; want prefix %q", raw[:min(len(raw), 32)], st.wantPrefix)
			}
			if bytes.Contains(raw, []byte("correct-horse-battery")) {
				t.Errorf("etcd value holds the plaintext password")
			}
		})
	}
}

func TestMalformedEncryptionConfigStopsStart(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "enc.yaml"), encryptionConfig([2]string{"k", "c2hvcnQ="}))
	_, err := StartServer(context.Background(), ServerConfig{DataDir: dir, BindAddress: "127.0.0.1", HTTPSPort: 1,
		EncryptionProviderConfig: path, WriteKubeconfig: filepath.Join(dir, "kc"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "resources[0].providers[0].aescbc.keys[0].secret") {
		t.Errorf("StartServer(malformed encryption config) error = %v; want one naming resources[0].providers[0].aescbc.keys[0].secret", err)
	}
}
