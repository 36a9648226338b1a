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
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	url := startTLSEtcd(t, certs)

	plain, log := startFailing(t, "a server without the etcd TLS flags, against an etcd that wants client certificates",
		append(slices.Clone(apiOnlyFlags), "--etcd-servers="+url)...)
	if !strings.Contains(log, "skiff: start etcd: ") || !strings.Contains(log, "--etcd-certfile and --etcd-keyfile") {
		t.Errorf("the server without the etcd TLS flags said:\n%s\nwant a failure of 'start etcd' that names the TLS flags", log)
	}
	t.Logf("without the etcd TLS flags: %s", tail(plain.logPath, 1))

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

// startTLSEtcd starts one etcd member whose client URL is https and wants
// a client certificate signed by certs.ca; it returns that URL once the
// member is healthy.
func startTLSEtcd(t *testing.T, certs etcdCerts) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("etcd not found (scripts/install-deps.sh installs Debian's etcd-server): %v", err)
	}
	client, err1 := freePort()
	peer, err2 := freePort()
	if err1 != nil || err2 != nil {
		t.Fatalf("free ports for etcd: %v, %v", err1, err2)
	}
	url := "https://127.0.0.1:" + strconv.Itoa(client)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
	dir := t.TempDir()
	p, err := startProcess("etcd tls", filepath.Join(dir, "etcd.log"), bin,
		"--name", "m0", "--data-dir", filepath.Join(dir, "m0"),
		"--listen-client-urls", url, "--advertise-client-urls", url,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "m0="+peerURL,
		"--cert-file", certs.serverCert, "--key-file", certs.serverKey,
		"--trusted-ca-file", certs.ca, "--client-cert-auth")
	if err != nil {
		t.Fatal(err)
	}
	p.stopAtCleanup(t, 20)
	pair, err := tls.LoadX509KeyPair(certs.clientCert, certs.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	caPEM, err := os.ReadFile(certs.ca)
	if err != nil || !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("read %s: %v", certs.ca, err)
	}
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}}
	if err := waitEtcdHealthyWith(hc, url, p); err != nil {
		t.Fatalf("etcd with TLS: %v\n%s", err, tail(p.logPath, 20))
	}
	return url
}
