package app

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/pki"
)

// CertificateRotateConfig is what `skiff certificate rotate` takes.
type CertificateRotateConfig struct {
	// DataDir is the server's --data-dir.
	DataDir string
	// WriteKubeconfig, if set, is rewritten with the new admin certificate.
	// Its server URL is kept; a new file points at Server.
	WriteKubeconfig string
	// Server is the URL a new kubeconfig names; https://127.0.0.1:6443 when
	// empty.
	Server string
	// Out receives a summary; io.Discard when nil.
	Out io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// RotateCertificates reissues the serving and admin certificates in
// <data-dir>/server/tls now, keeping the CA (so kubeconfigs and agents that
// trust it keep working) and the serving certificate's names. A running
// server serves the new certificate after a restart.
func RotateCertificates(cfg CertificateRotateConfig) error {
	if cfg.DataDir == "" {
		cfg.DataDir = "/var/lib/skiff"
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	dir := filepath.Join(cfg.DataDir, "server", "tls")
	if _, err := os.Stat(filepath.Join(dir, pki.CACertFile)); err != nil {
		return fmt.Errorf("no cluster CA in %s (start the server once first): %w", dir, err)
	}
	dns, ips, err := servingNamesIn(filepath.Join(dir, pki.ServingCertFile))
	if err != nil {
		return err
	}
	for _, f := range []string{pki.ServingCertFile, pki.ServingKeyFile, pki.AdminCertFile, pki.AdminKeyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove old certificate: %w", err)
		}
	}
	bundle, err := pki.Ensure(pki.Config{Dir: dir, Hostnames: dns, IPs: ips, Now: cfg.Now})
	if err != nil {
		return err
	}
	leaf := bundle.ServingCert.Leaf
	fmt.Fprintf(cfg.Out, "serving certificate %s renewed: valid until %s\n", filepath.Join(dir, pki.ServingCertFile), leaf.NotAfter.Format(time.RFC3339))
	fmt.Fprintf(cfg.Out, "admin certificate %s renewed\n", filepath.Join(dir, pki.AdminCertFile))
	if cfg.WriteKubeconfig == "" {
		return nil
	}
	url := cfg.Server
	if old, err := clientcmd.LoadFromFile(cfg.WriteKubeconfig); err == nil {
		if ctx, ok := old.Contexts[old.CurrentContext]; ok && old.Clusters[ctx.Cluster] != nil && url == "" {
			url = old.Clusters[ctx.Cluster].Server
		}
	}
	if url == "" {
		url = "https://127.0.0.1:6443"
	}
	if err := pki.WriteKubeconfig(cfg.WriteKubeconfig, url, bundle); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "kubeconfig %s rewritten for %s\n", cfg.WriteKubeconfig, url)
	return nil
}

// servingNamesIn returns the SANs of the current serving certificate, so
// that the new one answers to the same names; none when it is missing.
func servingNamesIn(path string) ([]string, []net.IP, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, nil, nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, nil
	}
	return cert.DNSNames, cert.IPAddresses, nil
}

// signWith is the csrsigning controller's signing function over the
// cluster CA.
func signWith(b *pki.Bundle) func(*x509.CertificateRequest, []x509.ExtKeyUsage, time.Duration) ([]byte, error) {
	return func(req *x509.CertificateRequest, usages []x509.ExtKeyUsage, validity time.Duration) ([]byte, error) {
		return pki.SignClientCert(b, req, usages, validity)
	}
}
