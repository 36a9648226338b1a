package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SignClientCert signs csr with the bundle's CA and returns the certificate
// as PEM. The certificate copies the CSR's subject and subject alternative
// names, carries the given extended key usages (ClientAuth when none are
// given) and is valid for validity (LeafValidity when zero or negative), but
// never beyond the CA. Whether the request should be granted at all (who
// asked, which names and usages are allowed) is the caller's decision; this
// only checks the CSR's own signature.
func SignClientCert(b *Bundle, csr *x509.CertificateRequest, usages []x509.ExtKeyUsage, validity time.Duration) ([]byte, error) {
	if b == nil || b.CA == nil || b.CAKey == nil {
		return nil, errors.New("pki: bundle has no CA to sign with")
	}
	if csr == nil {
		return nil, errors.New("pki: no certificate request")
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("pki: certificate request signature: %w", err)
	}
	if len(usages) == 0 {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if validity <= 0 {
		validity = LeafValidity
	}
	now := time.Now
	if b.now != nil {
		now = b.now
	}
	tmpl := &x509.Certificate{
		Subject:        csr.Subject,
		DNSNames:       csr.DNSNames,
		IPAddresses:    csr.IPAddresses,
		EmailAddresses: csr.EmailAddresses,
		URIs:           csr.URIs,
		ExtKeyUsage:    slices.Clone(usages),
	}
	ca := &keyPair{cert: b.CA, key: b.CAKey}
	der, err := sign(ca, now(), tmpl, csr.PublicKey, validity)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return encodeCert(der), nil
}
