package app

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/pki"
)

func TestRotateCertificates(t *testing.T) {
	dataDir := t.TempDir()
	dir := filepath.Join(dataDir, "server", "tls")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	before, err := pki.Ensure(pki.Config{Dir: dir, Hostnames: []string{"skiff.example"}, IPs: []net.IP{net.IPv4(192, 0, 2, 7)}, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("Ensure() error = %v", err)
	}
	kubeconfig := filepath.Join(dataDir, "admin.yaml")
	if err := pki.WriteKubeconfig(kubeconfig, "https://127.0.0.1:7443", before); err != nil {
		t.Fatal(err)
	}
	caBefore, err := os.ReadFile(filepath.Join(dir, pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}

	t1 := t0.Add(30 * 24 * time.Hour) // far from the renewal window: only an explicit rotate renews
	var out strings.Builder
	if err := RotateCertificates(CertificateRotateConfig{DataDir: dataDir, WriteKubeconfig: kubeconfig, Out: &out, Now: func() time.Time { return t1 }}); err != nil {
		t.Fatalf("RotateCertificates() error = %v", err)
	}
	after, err := pki.Ensure(pki.Config{Dir: dir, Now: func() time.Time { return t1 }})
	if err != nil {
		t.Fatalf("Ensure(after rotate) error = %v", err)
	}
	caAfter, _ := os.ReadFile(filepath.Join(dir, pki.CACertFile))
	oldLeaf, newLeaf := before.ServingCert.Leaf, after.ServingCert.Leaf

	checks := []struct {
		name string
		ok   bool
		got  any
	}{
		{name: "CA unchanged", ok: bytes.Equal(caBefore, caAfter), got: "CA file differs"},
		{name: "serving serial changed", ok: oldLeaf.SerialNumber.Cmp(newLeaf.SerialNumber) != 0, got: newLeaf.SerialNumber},
		{name: "serving valid one year from rotation", ok: newLeaf.NotAfter.Equal(t1.Add(pki.LeafValidity)), got: newLeaf.NotAfter},
		{name: "serving keeps its DNS names", ok: slices.Contains(newLeaf.DNSNames, "skiff.example"), got: newLeaf.DNSNames},
		{name: "serving keeps its IPs", ok: slices.ContainsFunc(newLeaf.IPAddresses, net.IPv4(192, 0, 2, 7).Equal), got: newLeaf.IPAddresses},
		{name: "admin certificate changed", ok: !bytes.Equal(before.AdminCertPEM, after.AdminCertPEM), got: "same admin certificate"},
		{name: "summary printed", ok: strings.Contains(out.String(), "renewed"), got: out.String()},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %v", c.name, c.got)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(before.CA)
	if _, err := newLeaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "skiff.example", CurrentTime: t1}); err != nil {
		t.Errorf("new serving certificate against the old CA: %v; want it trusted", err)
	}
	kc, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	if got := kc.Clusters["default"].Server; got != "https://127.0.0.1:7443" {
		t.Errorf("kubeconfig server = %q; want the old URL https://127.0.0.1:7443", got)
	}
	if got := kc.AuthInfos["default"].ClientCertificateData; !bytes.Equal(got, after.AdminCertPEM) {
		t.Errorf("kubeconfig client certificate is not the rotated admin certificate")
	}
}

func TestRotateCertificatesWithoutCA(t *testing.T) {
	err := RotateCertificates(CertificateRotateConfig{DataDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no cluster CA") {
		t.Errorf("RotateCertificates(empty data dir) error = %v; want no cluster CA", err)
	}
}
