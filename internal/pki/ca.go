package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ensureCA loads the CA from dir, or creates it when neither file exists or
// the certificate has expired.
func ensureCA(dir string, now time.Time) (*keyPair, error) {
	ca, err := readPair(dir, CACertFile, CAKeyFile)
	switch {
	case err == nil && now.After(ca.cert.NotAfter):
		// Expired: nothing it signed verifies anymore, so replacing it
		// breaks nothing that still works.
	case err == nil:
		if !ca.cert.IsCA {
			return nil, fmt.Errorf("pki: %s is not a CA certificate", CACertFile)
		}
		return ca, nil
	case isNotExist(err):
		if _, statErr := os.Stat(filepath.Join(dir, CACertFile)); statErr == nil {
			return nil, fmt.Errorf("pki: %s exists but its key is missing: %w", CACertFile, err)
		}
	default:
		return nil, fmt.Errorf("pki: load CA: %w", err)
	}
	ca, err = newCA(now)
	if err != nil {
		return nil, fmt.Errorf("pki: create CA: %w", err)
	}
	if err := writePair(dir, CACertFile, CAKeyFile, ca); err != nil {
		return nil, fmt.Errorf("pki: write CA: %w", err)
	}
	return ca, nil
}

// newCA makes a self-signed ECDSA P-256 CA named skiff-ca@<unix seconds>.
func newCA(now time.Time) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("skiff-ca@%d", now.Unix())},
		NotBefore:             now.Add(-clockSkewSlop).UTC(),
		NotAfter:              now.Add(CAValidity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key, certPEM: encodeCert(der), keyPEM: keyPEM}, nil
}
