package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"testing"
	"time"
)

func newCSR(t *testing.T, subject pkix.Name, ips []net.IP) *x509.CertificateRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject, IPAddresses: ips}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func TestSignClientCert(t *testing.T) {
	b := mustEnsure(t, Config{Dir: t.TempDir(), Now: clockAt(t0)})
	node := pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}
	tests := []struct {
		name         string
		csr          *x509.CertificateRequest
		usages       []x509.ExtKeyUsage
		validity     time.Duration
		wantUsages   []x509.ExtKeyUsage
		wantNotAfter time.Time
	}{
		{name: "defaults to client auth for a year", csr: newCSR(t, node, nil),
			wantUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, wantNotAfter: t0.Add(LeafValidity)},
		{name: "serving usage with IP SAN", csr: newCSR(t, node, []net.IP{net.ParseIP("192.0.2.1")}),
			usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, validity: 30 * day,
			wantUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, wantNotAfter: t0.Add(30 * day)},
		{name: "capped at CA expiry", csr: newCSR(t, node, nil), validity: 20 * CAValidity,
			wantUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, wantNotAfter: b.CA.NotAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, err := SignClientCert(b, tt.csr, tt.usages, tt.validity)
			if err != nil {
				t.Fatalf("SignClientCert = %v", err)
			}
			cert, err := parseCertPEM(certPEM)
			if err != nil {
				t.Fatalf("parse signed cert: %v", err)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: b.ClientCA, CurrentTime: t0, KeyUsages: tt.wantUsages}); err != nil {
				t.Errorf("signed cert Verify = %v; want nil", err)
			}
			if got, want := cert.Subject.CommonName, tt.csr.Subject.CommonName; got != want {
				t.Errorf("CN = %q; want %q", got, want)
			}
			if got, want := cert.Subject.Organization, tt.csr.Subject.Organization; !slices.Equal(got, want) {
				t.Errorf("O = %v; want %v", got, want)
			}
			if !slices.Equal(cert.ExtKeyUsage, tt.wantUsages) {
				t.Errorf("ExtKeyUsage = %v; want %v", cert.ExtKeyUsage, tt.wantUsages)
			}
			if !cert.NotAfter.Equal(tt.wantNotAfter) {
				t.Errorf("NotAfter = %v; want %v", cert.NotAfter, tt.wantNotAfter)
			}
			if !slices.EqualFunc(cert.IPAddresses, tt.csr.IPAddresses, net.IP.Equal) {
				t.Errorf("IPAddresses = %v; want %v", cert.IPAddresses, tt.csr.IPAddresses)
			}
		})
	}
}

func TestSignClientCertRejectsBadRequest(t *testing.T) {
	b := mustEnsure(t, Config{Dir: t.TempDir(), Now: clockAt(t0)})
	tampered := newCSR(t, pkix.Name{CommonName: "a"}, nil)
	tampered.Signature = slices.Clone(tampered.Signature)
	tampered.Signature[len(tampered.Signature)-1] ^= 0xff
	tests := []struct {
		name string
		b    *Bundle
		csr  *x509.CertificateRequest
	}{
		{name: "tampered signature", b: b, csr: tampered},
		{name: "nil request", b: b},
		{name: "bundle without CA", b: &Bundle{}, csr: newCSR(t, pkix.Name{CommonName: "a"}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SignClientCert(tt.b, tt.csr, nil, 0); err == nil {
				t.Errorf("SignClientCert(%s) = nil error; want an error", tt.name)
			}
		})
	}
}
