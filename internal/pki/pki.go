package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// File names inside Config.Dir.
const (
	CACertFile      = "ca.crt"
	CAKeyFile       = "ca.key"
	ServingCertFile = "serving-kube-apiserver.crt"
	ServingKeyFile  = "serving-kube-apiserver.key"
	AdminCertFile   = "client-admin.crt"
	AdminKeyFile    = "client-admin.key"
)

// Identity of the admin client certificate.
const (
	AdminCommonName   = "skiff-admin"
	AdminOrganization = "system:masters"
	servingCommonName = "kube-apiserver"
)

// Validity periods and the renewal window.
const (
	CAValidity    = 10 * 365 * 24 * time.Hour
	LeafValidity  = 365 * 24 * time.Hour
	RenewBefore   = 90 * 24 * time.Hour
	clockSkewSlop = time.Hour // NotBefore is backdated by this much
)

// DefaultServiceIP is the first address of the default service CIDR
// 10.43.0.0/16, used when Config.ServiceIP is nil.
var DefaultServiceIP = net.IPv4(10, 43, 0, 1)

// Config says where the certificates live and which extra names the serving
// certificate carries.
type Config struct {
	// Dir holds the PEM files, e.g. <data-dir>/server/tls. Created 0700.
	Dir string
	// Hostnames are extra DNS subject alternative names.
	Hostnames []string
	// IPs are extra IP subject alternative names.
	IPs []net.IP
	// ServiceIP is the ClusterIP of the kubernetes Service; DefaultServiceIP
	// when nil.
	ServiceIP net.IP
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (c *Config) validate() error {
	if c.Dir == "" {
		return errors.New("pki: config dir is empty")
	}
	if c.ServiceIP == nil {
		c.ServiceIP = DefaultServiceIP
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Bundle is what Ensure returns. All fields are read-only once returned; the
// Bundle may be shared between goroutines.
type Bundle struct {
	// CACertPEM is the CA certificate, for kubeconfigs and agents.
	CACertPEM []byte
	// ServingCert is the certificate and key of the HTTPS listener; Leaf is set.
	ServingCert tls.Certificate
	// AdminCertPEM and AdminKeyPEM are the admin client identity
	// (CN=skiff-admin, O=system:masters).
	AdminCertPEM, AdminKeyPEM []byte
	// ClientCA verifies client certificates. It holds the one CA (see the
	// package documentation).
	ClientCA *x509.CertPool
	// CA and CAKey sign further certificates (SignClientCert).
	CA    *x509.Certificate
	CAKey crypto.Signer

	now func() time.Time
}

// Ensure loads the certificates in cfg.Dir, creating or reissuing whatever is
// missing, expiring or stale, and returns them. See the package documentation
// for the rules.
func Ensure(cfg Config) (*Bundle, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: create dir: %w", err)
	}
	now := cfg.Now()
	ca, err := ensureCA(cfg.Dir, now)
	if err != nil {
		return nil, err
	}
	names, err := servingNames(cfg)
	if err != nil {
		return nil, err
	}
	serving, err := ensureLeaf(cfg.Dir, ca, now, leafSpec{
		certFile: ServingCertFile,
		keyFile:  ServingKeyFile,
		template: servingTemplate(names),
	})
	if err != nil {
		return nil, fmt.Errorf("pki: serving certificate: %w", err)
	}
	admin, err := ensureLeaf(cfg.Dir, ca, now, leafSpec{
		certFile: AdminCertFile,
		keyFile:  AdminKeyFile,
		template: adminTemplate(),
	})
	if err != nil {
		return nil, fmt.Errorf("pki: admin certificate: %w", err)
	}
	servingPair, err := tls.X509KeyPair(serving.certPEM, serving.keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: serving key pair: %w", err)
	}
	servingPair.Leaf = serving.cert
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return &Bundle{
		CACertPEM:    ca.certPEM,
		ServingCert:  servingPair,
		AdminCertPEM: admin.certPEM,
		AdminKeyPEM:  admin.keyPEM,
		ClientCA:     pool,
		CA:           ca.cert,
		CAKey:        ca.key,
		now:          cfg.Now,
	}, nil
}
