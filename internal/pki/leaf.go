package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"slices"
	"time"
)

// leafSpec describes one leaf certificate: where it lives and what it must
// say. template carries Subject, usages and SANs; ensureLeaf fills serial and
// validity.
type leafSpec struct {
	certFile, keyFile string
	template          *x509.Certificate
}

// ensureLeaf returns the leaf in dir when it is still good for spec, and
// otherwise issues and writes a new one signed by ca.
func ensureLeaf(dir string, ca *keyPair, now time.Time, spec leafSpec) (*keyPair, error) {
	// Missing, unreadable or mismatched files are all reasons to reissue.
	if cur, err := readPair(dir, spec.certFile, spec.keyFile); err == nil &&
		leafUsable(cur.cert, ca.cert, now, spec.template) {
		return cur, nil
	}
	leaf, err := issue(ca, now, spec.template)
	if err != nil {
		return nil, err
	}
	if err := writePair(dir, spec.certFile, spec.keyFile, leaf); err != nil {
		return nil, err
	}
	return leaf, nil
}

// leafUsable says whether cert can be kept: signed by ca, outside the renewal
// window, with the wanted subject, usages and (at least) the wanted SANs.
func leafUsable(cert, ca *x509.Certificate, now time.Time, want *x509.Certificate) bool {
	if cert.CheckSignatureFrom(ca) != nil {
		return false
	}
	if now.Add(RenewBefore).After(cert.NotAfter) {
		return false
	}
	if cert.Subject.CommonName != want.Subject.CommonName ||
		!slices.Equal(cert.Subject.Organization, want.Subject.Organization) ||
		!slices.Equal(cert.ExtKeyUsage, want.ExtKeyUsage) {
		return false
	}
	return hasAllNames(cert, want.DNSNames, want.IPAddresses)
}

// hasAllNames reports whether cert carries every DNS name and IP given.
func hasAllNames(cert *x509.Certificate, dns []string, ips []net.IP) bool {
	for _, d := range dns {
		if !slices.Contains(cert.DNSNames, d) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// issue makes a new key and a certificate from tmpl signed by ca, valid for
// LeafValidity but never beyond the CA.
func issue(ca *keyPair, now time.Time, tmpl *x509.Certificate) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	der, err := sign(ca, now, tmpl, key.Public(), LeafValidity)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key, certPEM: encodeCert(der), keyPEM: keyPEM}, nil
}

// sign signs a copy of tmpl for pub with the CA, filling serial, validity and
// key usage.
func sign(ca *keyPair, now time.Time, tmpl *x509.Certificate, pub any, validity time.Duration) ([]byte, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	c := *tmpl
	c.SerialNumber = serial
	c.NotBefore = now.Add(-clockSkewSlop).UTC()
	c.NotAfter = now.Add(validity).UTC()
	if c.NotAfter.After(ca.cert.NotAfter) {
		c.NotAfter = ca.cert.NotAfter
	}
	c.KeyUsage = x509.KeyUsageDigitalSignature
	if _, isRSA := pub.(*rsa.PublicKey); isRSA {
		c.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	c.BasicConstraintsValid = true
	c.IsCA = false
	der, err := x509.CreateCertificate(rand.Reader, &c, ca.cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	return der, nil
}

func servingTemplate(n names) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: servingCommonName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    n.dns,
		IPAddresses: n.ips,
	}
}

func adminTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject: pkix.Name{
			CommonName:   AdminCommonName,
			Organization: []string{AdminOrganization},
		},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}
