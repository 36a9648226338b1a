package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestExternalEtcdTLS runs the server against an etcd member that serves
// its clients over TLS and wants their certificates. Without
// --etcd-cafile, --etcd-certfile and --etcd-keyfile the server cannot use
// it and exits saying so; with them it serves.
func TestExternalEtcdTLS(t *testing.T) {
	certs := writeEtcdCerts(t, t.TempDir())
	url := startEtcdCluster(t, 1, &certs).clientURLs[0]

	plain, log := startFailing(t, "a server without the etcd TLS flags, against an etcd that wants client certificates",
		append(slices.Clone(apiOnlyFlags), "--etcd-servers="+url)...)
	if !strings.Contains(log, "skiff: start etcd: ") || !strings.Contains(log, "--etcd-certfile and --etcd-keyfile") {
		t.Errorf("the server without the etcd TLS flags said:\n%s\nwant a failure of 'start etcd' that names the TLS flags", log)
	}
	t.Logf("without the etcd TLS flags: %s", tail(plain.logPath, 1))

	// The TLS flags belong to an external etcd.
	if _, log := startFailing(t, "a server given --etcd-cafile without --etcd-servers",
		append(slices.Clone(apiOnlyFlags), "--etcd-cafile="+certs.ca)...); !strings.Contains(log, "--etcd-cafile: only for an external etcd (--etcd-servers)") {
		t.Errorf("a server given --etcd-cafile without --etcd-servers said:\n%s", log)
	}

	s := launchServer(t, append(slices.Clone(apiOnlyFlags), "--etcd-servers="+url,
		"--etcd-cafile="+certs.ca, "--etcd-certfile="+certs.clientCert, "--etcd-keyfile="+certs.clientKey)...)
	cs := s.writerClient(t)
	ctx := context.Background()
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "over-tls"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if cm, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "over-tls", metav1.GetOptions{}); err != nil || cm.Data["k"] != "v" {
		t.Errorf("the ConfigMap read back over an etcd reached with TLS: %v, %v", cm, err)
	}
}

// etcdCerts are the files of a CA, an etcd serving certificate for
// 127.0.0.1 and a client certificate, each signed by the CA.
type etcdCerts struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

// writeEtcdCerts writes fresh etcdCerts into dir.
func writeEtcdCerts(t *testing.T, dir string) etcdCerts {
	t.Helper()
	caKey, caCert := newCertificate(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "etcd-ca"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	c := etcdCerts{ca: filepath.Join(dir, "ca.crt")}
	writePEM(t, c.ca, "CERTIFICATE", caCert.Raw)
	for _, leaf := range []struct {
		cn        string
		usage     x509.ExtKeyUsage
		cert, key *string
		ips       []net.IP
		name      string
	}{
		{"127.0.0.1", x509.ExtKeyUsageServerAuth, &c.serverCert, &c.serverKey, []net.IP{net.ParseIP("127.0.0.1")}, "server"},
		{"skiff", x509.ExtKeyUsageClientAuth, &c.clientCert, &c.clientKey, nil, "client"},
	} {
		key, cert := newCertificate(t, &x509.Certificate{
			Subject: pkix.Name{CommonName: leaf.cn}, IPAddresses: leaf.ips,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{leaf.usage},
		}, caCert, caKey)
		*leaf.cert, *leaf.key = filepath.Join(dir, leaf.name+".crt"), filepath.Join(dir, leaf.name+".key")
		writePEM(t, *leaf.cert, "CERTIFICATE", cert.Raw)
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, *leaf.key, "EC PRIVATE KEY", der)
	}
	return c
}

// newCertificate makes a key and a certificate of tmpl for it, signed by
// parent's key (self-signed when parent is nil), valid for a day.
func newCertificate(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientTLS is the TLS configuration of a client of the members: it
// trusts ca and presents the client certificate.
func (c etcdCerts) clientTLS(t *testing.T) *tls.Config {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(c.clientCert, c.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	caPEM, err := os.ReadFile(c.ca)
	if err != nil || !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("read %s: %v", c.ca, err)
	}
	return &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}
