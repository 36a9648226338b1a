package kubelet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCA is a certificate authority for client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// client returns a client certificate for cn in groups.
func (ca *testCA) client(t *testing.T, cn string, groups ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:   pkix.Name{CommonName: cn, Organization: groups},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// fakeAuthorizer allows what allow lists ("user subresource") and records
// what it was asked.
type fakeAuthorizer struct {
	allow map[string]bool
	mu    sync.Mutex
	asked []Attributes
}

func (f *fakeAuthorizer) Authorize(_ context.Context, a Attributes) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, a)
	return f.allow[a.User+" "+a.Subresource], nil
}

// TestServer runs one node's kubelet API on loopback: client certificate
// authentication, authorization per path, the metrics and healthz
// answers, 404s and a busy port.
func TestServer(t *testing.T) {
	k, _ := newStatsKubelet(t)
	ca := newTestCA(t)
	serving, err := SelfSignedCert("hollow", []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	az := &fakeAuthorizer{allow: map[string]bool{"admin metrics": true, "admin healthz": true, "alice proxy": true}}
	srv, err := k.Serve("127.0.0.1:0", ServerConfig{Cert: serving, ClientCA: ca.pool(), Authorizer: az})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	defer srv.Close()
	base := "https://" + srv.Addr().String()
	admin := ca.client(t, "admin", "system:masters")
	alice := ca.client(t, "alice", "devs")
	stranger := newTestCA(t).client(t, "admin", "system:masters")
	tests := []struct {
		name     string
		path     string
		cert     *tls.Certificate
		wantCode int
		wantBody string // prefix
	}{
		{"no client certificate", ResourceMetricsPath, nil, 401, "Unauthorized"},
		{"certificate of another CA", ResourceMetricsPath, &stranger, 401, "Unauthorized"},
		{"user RBAC denies", ResourceMetricsPath, &alice, 403,
			"Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[metrics])\n"},
		{"admin reads metrics", ResourceMetricsPath, &admin, 200, "# HELP container_cpu_usage_seconds_total [STABLE]"},
		{"healthz through nodes/healthz", HealthzPath, &admin, 200, "ok"},
		{"healthz through nodes/proxy", HealthzPath, &alice, 200, "ok"},
		{"unknown path", "/pods", &admin, 403,
			"Forbidden (user=admin, verb=get, resource=nodes, subresource(s)=[proxy])\n"},
		{"unknown metrics path", "/metrics/cadvisor", &admin, 404, "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, base+tt.path, tt.cert)
			if code != tt.wantCode || !strings.HasPrefix(body, tt.wantBody) {
				t.Errorf("GET %s = %d %q; want %d %q...", tt.path, code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
	if a := az.asked[0]; a.User != "alice" || a.Groups[0] != "devs" || a.Verb != "get" || a.Subresource != "metrics" || a.Name != "n1" {
		t.Errorf("first authorization = %+v; want alice in devs, get nodes/metrics n1", a)
	}

	_, err = k.Serve(srv.Addr().String(), ServerConfig{Cert: serving, ClientCA: ca.pool(), Authorizer: az})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Serve on a busy port: %v; want address already in use", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if code, _ := get(t, base+HealthzPath, &admin); code != 0 {
		t.Errorf("GET after Close = %d; want a connection error", code)
	}
}

// get fetches url with cert as the client certificate, not verifying the
// server (as scrapers of self-signed kubelets do); code is 0 when the
// request fails.
func get(t *testing.T, url string, cert *tls.Certificate) (code int, body string) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a self-signed kubelet
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdvertisedPort checks that the Node advertises Config.Port and that
// a changed port is a status change to write.
func TestAdvertisedPort(t *testing.T) {
	cfg := &Config{Port: 10251, NodeName: "n1", NodeIP: "127.0.0.1"}
	got := desiredNodeStatus(cfg, "sim://1.0.0")
	if p := got.DaemonEndpoints.KubeletEndpoint.Port; p != 10251 {
		t.Errorf("kubeletEndpoint.port = %d; want 10251", p)
	}
	old := got.DeepCopy()
	old.DaemonEndpoints.KubeletEndpoint.Port = 10250
	if !nodeStatusChanged(*old, got) {
		t.Errorf("nodeStatusChanged(port 10250 -> 10251) = false; want true")
	}
}
