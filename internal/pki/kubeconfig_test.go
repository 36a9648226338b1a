package pki

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteKubeconfig(t *testing.T) {
	b := mustEnsure(t, Config{Dir: t.TempDir(), Now: clockAt(t0)})
	tests := []struct {
		name     string
		existing []byte // written first with mode 0644, nil for no file
	}{
		{name: "fresh path with missing parents"},
		{name: "replaces a world-readable file", existing: []byte("old")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "etc", "skiff", "skiff.yaml")
			if tt.existing != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tt.existing, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			const server = "https://127.0.0.1:6443"
			if err := WriteKubeconfig(path, server, b); err != nil {
				t.Fatalf("WriteKubeconfig(%q) = %v", path, err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != 0o600 {
				t.Errorf("kubeconfig mode = %v; want 0600", got)
			}
			raw, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatalf("LoadFromFile: %v", err)
			}
			if got := raw.CurrentContext; got != "default" {
				t.Errorf("current-context = %q; want %q", got, "default")
			}
			ctx := raw.Contexts["default"]
			if ctx == nil || ctx.Cluster != "default" || ctx.AuthInfo != "default" {
				t.Errorf("context default = %+v; want cluster and user named default", ctx)
			}
			rc, err := clientcmd.BuildConfigFromFlags("", path)
			if err != nil {
				t.Fatalf("BuildConfigFromFlags: %v", err)
			}
			if rc.Host != server {
				t.Errorf("rest.Config Host = %q; want %q", rc.Host, server)
			}
			checks := []struct {
				field     string
				got, want []byte
			}{
				{"CAData", rc.TLSClientConfig.CAData, b.CACertPEM},
				{"CertData", rc.TLSClientConfig.CertData, b.AdminCertPEM},
				{"KeyData", rc.TLSClientConfig.KeyData, b.AdminKeyPEM},
			}
			for _, c := range checks {
				if !bytes.Equal(c.got, c.want) {
					t.Errorf("rest.Config TLS %s = %q; want %q", c.field, c.got, c.want)
				}
			}
		})
	}
}

func TestWriteKubeconfigRejectsEmptyBundle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.yaml")
	if err := WriteKubeconfig(path, "https://127.0.0.1:6443", &Bundle{}); err == nil {
		t.Errorf("WriteKubeconfig with empty bundle = nil; want an error")
	}
}
