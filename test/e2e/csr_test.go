package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCertificateSigningRequests: with real kubectl, a user's
// kube-apiserver-client CSR approved by `kubectl certificate approve`
// gets a certificate from the signer that then authenticates to the
// server as that user; one denied by `kubectl certificate deny` gets none.
func TestCertificateSigningRequests(t *testing.T) {
	s, _ := startCluster(t)
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) {
			k := s.newKubectl(t, version, "default")
			user := "alice-" + strings.ReplaceAll(version, ".", "")
			keyPEM, csrPEM := newUserCSR(t, user, "e2e-devs")
			k.ok("apply", "-f", k.file("csr.yaml", csrManifest(user, csrPEM)))
			k.ok("certificate", "approve", user)
			var cert string
			waitFor(t, "certificate issued", func() (bool, string) {
				cert = k.run("get", "csr", user, "-o", "jsonpath={.status.certificate}").stdout
				return cert != "", k.run("get", "csr", user, "-o", "yaml").stdout
			})
			certPEM, err := base64.StdEncoding.DecodeString(cert)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.ok("get", "csr", user, "-o", "jsonpath={.status.conditions[0].type}/{.status.conditions[0].reason}"); got != "Approved/KubectlApprove" {
				t.Fatalf("got condition %q, want Approved/KubectlApprove", got)
			}
			block, _ := pem.Decode(certPEM)
			parsed, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if life := parsed.NotAfter.Sub(parsed.NotBefore); life > 2*time.Hour {
				t.Fatalf("got a certificate valid %v, want about the 1h expirationSeconds asked", life)
			}
			as := userKubectl(t, k, user, certPEM, keyPEM)
			// Authenticated as the user, who has no RBAC rights yet.
			r := as.fails("get", "pods")
			if want := fmt.Sprintf(`User "%s" cannot list resource "pods"`, user); !strings.Contains(r.stderr, want) {
				t.Fatalf("got %q, want it to contain %q", r.stderr, want)
			}
			k.ok("create", "rolebinding", user+"-view", "--clusterrole=view", "--user="+user)
			waitFor(t, "user may list pods", func() (bool, string) {
				r := as.run("get", "pods")
				return r.code == 0, r.stderr
			})

			denied := user + "-denied"
			_, csr2 := newUserCSR(t, denied)
			k.ok("apply", "-f", k.file("csr2.yaml", csrManifest(denied, csr2)))
			k.ok("certificate", "deny", denied)
			if got := k.ok("get", "csr", denied, "-o", "jsonpath={.status.conditions[0].type}"); got != "Denied" {
				t.Fatalf("got condition %q, want Denied", got)
			}
			// The approval of the first CSR was signed within moments:
			// give the signer as long again and check it left this one.
			time.Sleep(2 * time.Second)
			if got := k.ok("get", "csr", denied, "-o", "jsonpath={.status.certificate}"); got != "" {
				t.Fatalf("denied CSR got a certificate: %q", got)
			}
		})
	}
}

// newUserCSR makes a key and a PEM certificate request CN=user, O=groups.
func newUserCSR(t *testing.T, user string, groups ...string) (keyPEM, csrPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: user, Organization: groups}}, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func csrManifest(name string, csrPEM []byte) string {
	return fmt.Sprintf(`apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: %s
spec:
  request: %s
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 3600
  usages:
  - client auth
`, name, base64.StdEncoding.EncodeToString(csrPEM))
}

// userKubectl is k with a kubeconfig of its own whose user is the given
// client certificate.
func userKubectl(t *testing.T, k *kubectl, user string, certPEM, keyPEM []byte) *kubectl {
	t.Helper()
	as := *k
	dir := t.TempDir()
	as.kubeconfig = filepath.Join(dir, "kubeconfig")
	cfg, err := os.ReadFile(k.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "user.crt"), filepath.Join(dir, "user.key")
	for path, data := range map[string][]byte{as.kubeconfig: cfg, certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	as.ok("config", "set-credentials", user, "--client-certificate="+certFile, "--client-key="+keyFile, "--embed-certs")
	as.ok("config", "set-context", "--current", "--user="+user)
	return &as
}
