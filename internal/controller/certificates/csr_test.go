package certificates

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"testing"
	"time"

	certv1 "k8s.io/api/certificates/v1"
)

func TestValidateKubeletClient(t *testing.T) {
	node := pkix.Name{CommonName: "system:node:n1", Organization: []string{NodesGroup}}
	client := []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth}
	tests := []struct {
		name   string
		req    x509.CertificateRequest
		usages []certv1.KeyUsage
		ok     bool
	}{
		{"node client", x509.CertificateRequest{Subject: node}, client, true},
		{"with key encipherment", x509.CertificateRequest{Subject: node}, append(client, certv1.UsageKeyEncipherment), true},
		{"wrong organization", x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:n1", Organization: []string{"x"}}}, client, false},
		{"not a node name", x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice", Organization: []string{NodesGroup}}}, client, false},
		{"ip san", x509.CertificateRequest{Subject: node, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, client, false},
		{"server auth usage", x509.CertificateRequest{Subject: node}, append(client, certv1.UsageServerAuth), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateKubeletClient(&tc.req, tc.usages)
			if got := err == nil; got != tc.ok {
				t.Fatalf("got error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestSignerValidity(t *testing.T) {
	s := &Signer{cfg: Config{Duration: 365 * 24 * time.Hour}}
	secs := func(n int32) *int32 { return &n }
	tests := []struct {
		name string
		exp  *int32
		want time.Duration
	}{
		{"signer default", nil, 365 * 24 * time.Hour},
		{"one hour asked", secs(3600), time.Hour},
		{"below the minimum", secs(60), MinExpiration},
		{"beyond the signer", secs(1 << 30), 365 * 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			csr := &certv1.CertificateSigningRequest{Spec: certv1.CertificateSigningRequestSpec{ExpirationSeconds: tc.exp}}
			if got := s.validity(csr); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
