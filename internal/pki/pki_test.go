package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

const day = 24 * time.Hour

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustEnsure(t *testing.T, cfg Config) *Bundle {
	t.Helper()
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatalf("Ensure(%+v) error: %v", cfg, err)
	}
	return b
}

func adminCert(t *testing.T, b *Bundle) *x509.Certificate {
	t.Helper()
	c, err := parseCertPEM(b.AdminCertPEM)
	if err != nil {
		t.Fatalf("parse admin cert: %v", err)
	}
	return c
}

func TestEnsureCreatesThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "server", "tls")
	first := mustEnsure(t, Config{Dir: dir, Now: clockAt(t0)})
	for _, f := range []string{CACertFile, CAKeyFile, ServingCertFile, ServingKeyFile, AdminCertFile, AdminKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("stat %s: %v", f, err)
		}
		wantMode := os.FileMode(0o644)
		if filepath.Ext(f) == ".key" {
			wantMode = 0o600
		}
		if got := st.Mode().Perm(); got != wantMode {
			t.Errorf("mode of %s = %v; want %v", f, got, wantMode)
		}
	}
	if got, want := first.CA.Subject.CommonName, "skiff-ca@"; len(got) <= len(want) || got[:len(want)] != want {
		t.Errorf("CA CommonName = %q; want prefix %q", got, want)
	}
	if got, want := first.CA.NotAfter, t0.Add(CAValidity); !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("CA NotAfter = %v; want %v", got, want)
	}
	if got, want := first.ServingCert.Leaf.NotAfter, t0.Add(LeafValidity); !got.Equal(want) {
		t.Errorf("serving NotAfter = %v; want %v", got, want)
	}

	second := mustEnsure(t, Config{Dir: dir, Now: clockAt(t0.Add(30 * day))})
	if !bytes.Equal(second.CACertPEM, first.CACertPEM) {
		t.Errorf("CA changed on restart")
	}
	if got, want := second.ServingCert.Leaf.SerialNumber, first.ServingCert.Leaf.SerialNumber; got.Cmp(want) != 0 {
		t.Errorf("serving serial after restart = %v; want %v", got, want)
	}
	if got, want := adminCert(t, second).SerialNumber, adminCert(t, first).SerialNumber; got.Cmp(want) != 0 {
		t.Errorf("admin serial after restart = %v; want %v", got, want)
	}
}

func TestEnsureRenewal(t *testing.T) {
	tests := []struct {
		name         string
		first        Config
		later        time.Duration
		second       Config
		wantCA       bool // CA replaced
		wantServing  bool // serving cert reissued
		wantAdmin    bool // admin cert reissued
		wantHostname string
	}{
		{name: "restart soon keeps everything", later: day},
		{name: "outside renewal window keeps leaves", later: LeafValidity - RenewBefore - day},
		{name: "near expiry renews leaves not CA", later: LeafValidity - RenewBefore + day,
			wantServing: true, wantAdmin: true},
		{name: "expired leaves renewed", later: LeafValidity + day, wantServing: true, wantAdmin: true},
		{name: "new hostname renews serving only", second: Config{Hostnames: []string{"api.example.com"}},
			wantServing: true, wantHostname: "api.example.com"},
		{name: "new IP renews serving only", second: Config{IPs: []net.IP{net.ParseIP("192.0.2.7")}},
			wantServing: true},
		{name: "new service IP renews serving only", second: Config{ServiceIP: net.ParseIP("10.96.0.1")},
			wantServing: true},
		{name: "dropped extra name keeps serving", first: Config{Hostnames: []string{"old.example.com"}},
			wantHostname: "old.example.com"},
		{name: "expired CA replaced with everything", later: CAValidity + day,
			wantCA: true, wantServing: true, wantAdmin: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.first.Dir, tt.first.Now = dir, clockAt(t0)
			tt.second.Dir, tt.second.Now = dir, clockAt(t0.Add(tt.later))
			a := mustEnsure(t, tt.first)
			b := mustEnsure(t, tt.second)
			if got := !bytes.Equal(a.CACertPEM, b.CACertPEM); got != tt.wantCA {
				t.Errorf("CA replaced = %v; want %v", got, tt.wantCA)
			}
			if got := a.ServingCert.Leaf.SerialNumber.Cmp(b.ServingCert.Leaf.SerialNumber) != 0; got != tt.wantServing {
				t.Errorf("serving reissued = %v; want %v", got, tt.wantServing)
			}
			if got := adminCert(t, a).SerialNumber.Cmp(adminCert(t, b).SerialNumber) != 0; got != tt.wantAdmin {
				t.Errorf("admin reissued = %v; want %v", got, tt.wantAdmin)
			}
			if tt.wantHostname != "" && !slices.Contains(b.ServingCert.Leaf.DNSNames, tt.wantHostname) {
				t.Errorf("serving DNSNames = %v; want to contain %q", b.ServingCert.Leaf.DNSNames, tt.wantHostname)
			}
			if err := b.ServingCert.Leaf.CheckSignatureFrom(b.CA); err != nil {
				t.Errorf("serving cert not signed by CA: %v", err)
			}
		})
	}
}

func TestServingCertNames(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatalf("hostname: %v", err)
	}
	b := mustEnsure(t, Config{
		Dir:       t.TempDir(),
		Now:       clockAt(t0),
		Hostnames: []string{"skiff.example.com", "198.51.100.9"},
		IPs:       []net.IP{net.ParseIP("fd00::10")},
	})
	leaf := b.ServingCert.Leaf
	wantDNS := []string{host, "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "skiff.example.com"}
	for _, d := range wantDNS {
		if err := leaf.VerifyHostname(d); err != nil {
			t.Errorf("serving cert VerifyHostname(%q) = %v; want nil", d, err)
		}
	}
	wantIPs := []string{"127.0.0.1", "::1", "10.43.0.1", "198.51.100.9", "fd00::10"}
	ifaceIPs, err := interfaceIPs()
	if err != nil {
		t.Fatalf("interface addresses: %v", err)
	}
	for _, ip := range ifaceIPs {
		wantIPs = append(wantIPs, ip.String())
	}
	for _, ip := range wantIPs {
		if err := leaf.VerifyHostname(ip); err != nil {
			t.Errorf("serving cert VerifyHostname(%q) = %v; want nil", ip, err)
		}
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("serving ExtKeyUsage = %v; want [ServerAuth]", leaf.ExtKeyUsage)
	}
}

func TestAdminCertVerifiesAgainstClientCA(t *testing.T) {
	b := mustEnsure(t, Config{Dir: t.TempDir(), Now: clockAt(t0)})
	cert := adminCert(t, b)
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:       b.ClientCA,
		CurrentTime: t0,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		t.Fatalf("admin cert Verify against ClientCA = %v; want nil", err)
	}
	if got, want := cert.Subject.CommonName, AdminCommonName; got != want {
		t.Errorf("admin CN = %q; want %q", got, want)
	}
	if got, want := cert.Subject.Organization, []string{AdminOrganization}; !slices.Equal(got, want) {
		t.Errorf("admin O = %v; want %v", got, want)
	}
	// The serving cert must not pass as a client.
	_, err = b.ServingCert.Leaf.Verify(x509.VerifyOptions{
		Roots:       b.ClientCA,
		CurrentTime: t0,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err == nil {
		t.Errorf("serving cert verified as a client cert; want an error")
	}
}

// TestTLSHandshake runs a real mutual-TLS handshake over an in-memory pipe.
func TestTLSHandshake(t *testing.T) {
	b := mustEnsure(t, Config{Dir: t.TempDir(), Now: clockAt(t0)})
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b.CACertPEM) {
		t.Fatalf("CACertPEM holds no certificate")
	}
	clientPair, err := tls.X509KeyPair(b.AdminCertPEM, b.AdminKeyPEM)
	if err != nil {
		t.Fatalf("admin key pair: %v", err)
	}
	cConn, sConn := net.Pipe()
	server := tls.Server(sConn, &tls.Config{
		Certificates: []tls.Certificate{b.ServingCert},
		ClientCAs:    b.ClientCA,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		Time:         clockAt(t0),
	})
	client := tls.Client(cConn, &tls.Config{
		RootCAs:      roots,
		ServerName:   "kubernetes.default.svc",
		Certificates: []tls.Certificate{clientPair},
		Time:         clockAt(t0),
	})
	serverErr := make(chan error, 1)
	go func() { serverErr <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-serverErr; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	peers := server.ConnectionState().PeerCertificates
	if len(peers) == 0 || peers[0].Subject.CommonName != AdminCommonName {
		t.Errorf("server saw client certs %v; want CN %q", peers, AdminCommonName)
	}
	// Close the raw pipe ends: a TLS close_notify would block on the
	// unbuffered pipe.
	cConn.Close()
	sConn.Close()
}

func TestEnsureRefusesBrokenCA(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{name: "key missing", damage: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, CAKeyFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "key from another CA", damage: func(t *testing.T, dir string) {
			other := t.TempDir()
			mustEnsure(t, Config{Dir: other, Now: clockAt(t0)})
			data, err := os.ReadFile(filepath.Join(other, CAKeyFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, CAKeyFile), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustEnsure(t, Config{Dir: dir, Now: clockAt(t0)})
			tt.damage(t, dir)
			if _, err := Ensure(Config{Dir: dir, Now: clockAt(t0)}); err == nil {
				t.Errorf("Ensure with %s = nil error; want an error", tt.name)
			}
		})
	}
}

func TestEnsureRestoresKeyMode(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, Config{Dir: dir, Now: clockAt(t0)})
	key := filepath.Join(dir, AdminKeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	mustEnsure(t, Config{Dir: dir, Now: clockAt(t0)})
	st, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of %s after Ensure = %v; want 0600", AdminKeyFile, got)
	}
}

// BenchmarkEnsureExisting measures the restart path (all files present and
// valid), which must stay well under 20 ms.
func BenchmarkEnsureExisting(b *testing.B) {
	dir := b.TempDir()
	if _, err := Ensure(Config{Dir: dir, Now: clockAt(t0)}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Ensure(Config{Dir: dir, Now: clockAt(t0)}); err != nil {
			b.Fatal(err)
		}
	}
}
