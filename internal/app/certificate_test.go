package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
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

// TestRestartServesRotatedCertificate rotates while a server runs: the old
// certificate is served until the restart, the new one after it, and the
// rewritten kubeconfig works against the restarted server.
func TestRestartServesRotatedCertificate(t *testing.T) {
	dir := t.TempDir()
	srv, _ := startAt(t, dir, ServerConfig{})
	before := servedSerial(t, srv.URL)
	if err := RotateCertificates(CertificateRotateConfig{DataDir: dir, WriteKubeconfig: srv.Kubeconfig}); err != nil {
		t.Fatalf("RotateCertificates() error = %v", err)
	}
	if got := servedSerial(t, srv.URL); got != before {
		t.Errorf("serial served before restart = %s; want the old %s (no live reload)", got, before)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	srv, _ = startAt(t, dir, ServerConfig{})
	defer srv.Stop()
	data, err := os.ReadFile(filepath.Join(dir, "server", "tls", pki.ServingCertFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	onDisk, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, srv.URL); got == before || got != onDisk.SerialNumber.String() {
		t.Errorf("serial served after restart = %s; want the rotated %s (old %s)", got, onDisk.SerialNumber, before)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", srv.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), "default", metav1.GetOptions{}); err != nil {
		t.Errorf("get namespace with the rewritten kubeconfig: %v", err)
	}
}

func servedSerial(t *testing.T, url string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(url, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}
