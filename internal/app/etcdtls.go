package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// validateEtcdTLS checks the etcd TLS flags: they need --etcd-servers, and
// a client certificate needs its key.
func (c *ServerConfig) validateEtcdTLS() error {
	if len(c.EtcdServers) == 0 {
		for _, f := range [][2]string{{"--etcd-cafile", c.EtcdCAFile}, {"--etcd-certfile", c.EtcdCertFile}, {"--etcd-keyfile", c.EtcdKeyFile}} {
			if f[1] != "" {
				return fmt.Errorf("%s: only for an external etcd (--etcd-servers); the embedded one is reached in-process", f[0])
			}
		}
		return nil
	}
	if (c.EtcdCertFile == "") != (c.EtcdKeyFile == "") {
		return errors.New("--etcd-certfile and --etcd-keyfile: give both or neither")
	}
	return nil
}

// etcdTLS is the TLS configuration of the connection to an external etcd:
// nil when no etcd TLS flag is set (the endpoints' schemes decide, and
// https then trusts the system's roots).
func (c ServerConfig) etcdTLS() (*tls.Config, error) {
	if c.EtcdCAFile == "" && c.EtcdCertFile == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.EtcdCAFile != "" {
		pem, err := os.ReadFile(c.EtcdCAFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-cafile: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--etcd-cafile %s: no PEM certificate in it", c.EtcdCAFile)
		}
	}
	if c.EtcdCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.EtcdCertFile, c.EtcdKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-certfile/--etcd-keyfile: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
