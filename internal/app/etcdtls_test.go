package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEtcdTLSFlags(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ext := []string{"https://10.0.0.1:2379"}
	for _, tt := range []struct {
		name    string
		cfg     ServerConfig
		wantErr string
	}{
		{"none", ServerConfig{EtcdServers: ext}, ""},
		{"embedded etcd", ServerConfig{EtcdCAFile: notPEM}, "--etcd-cafile: only for an external etcd (--etcd-servers)"},
		{"key without certificate", ServerConfig{EtcdServers: ext, EtcdKeyFile: "k"}, "--etcd-certfile and --etcd-keyfile: give both or neither"},
		{"CA file without a certificate", ServerConfig{EtcdServers: ext, EtcdCAFile: notPEM}, "no PEM certificate in it"},
		{"missing client certificate", ServerConfig{EtcdServers: ext, EtcdCertFile: filepath.Join(dir, "no.crt"), EtcdKeyFile: filepath.Join(dir, "no.key")}, "--etcd-certfile/--etcd-keyfile: open"},
	} {
		err := tt.cfg.validateEtcdTLS()
		if err == nil {
			tc, terr := tt.cfg.etcdTLS()
			if err = terr; tt.wantErr == "" && tc != nil {
				t.Errorf("%s: a TLS configuration with no TLS flag set", tt.name)
			}
		}
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v; want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}
