package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/app"
)

// startJoinServer starts a server of its own with the controller manager
// (the CSR approver and signer run there), and returns it with its admin
// clientset.
func startJoinServer(t *testing.T, token string) (*app.Server, string, kubernetes.Interface) {
	t.Helper()
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.StartServer(context.Background(), app.ServerConfig{
		DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1", Token: token,
		WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"), Logger: testLogger(), DisableScheduler: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	cs, err := kubernetes.NewForConfig(srv.Loopback())
	if err != nil {
		t.Fatal(err)
	}
	return srv, dir, cs
}

// TestJoinToken: the join token in <data-dir>/server/token is a bootstrap
// token stored as a kube-system Secret; it authenticates as
// system:bootstrap:<id> in system:bootstrappers, may create and read CSRs
// and nothing else; a wrong secret part is 401.
func TestJoinToken(t *testing.T) {
	const token = "abcdef.0123456789abcdef"
	srv, dir, admin := startJoinServer(t, token)
	ctx := ctxFor(t)
	data, err := os.ReadFile(app.JoinTokenPath(dir))
	if err != nil || strings.TrimSpace(string(data)) != token {
		t.Fatalf("token file: got %q, %v; want %q", data, err, token)
	}
	s, err := admin.CoreV1().Secrets("kube-system").Get(ctx, "bootstrap-token-abcdef", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != corev1.SecretTypeBootstrapToken || string(s.Data["usage-bootstrap-authentication"]) != "true" {
		t.Fatalf("got secret type %q data %v, want a bootstrap token for authentication", s.Type, s.Data)
	}
	client := func(tok string) kubernetes.Interface {
		cfg := &rest.Config{Host: srv.URL, BearerToken: tok,
			TLSClientConfig: rest.TLSClientConfig{CAFile: filepath.Join(dir, "server", "tls", "ca.crt")}}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	boot := client(token)
	who, err := whoami(ctx, boot)
	if err != nil {
		t.Fatal(err)
	}
	if who.Username != "system:bootstrap:abcdef" || !contains(who.Groups, "system:bootstrappers") {
		t.Fatalf("got user %q groups %v, want system:bootstrap:abcdef in system:bootstrappers", who.Username, who.Groups)
	}
	if _, err := boot.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("list CSRs as bootstrapper: got %v, want allowed", err)
	}
	if _, err := boot.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("list pods as bootstrapper: got %v, want 403", err)
	}
	if _, err := boot.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("create node as bootstrapper: got %v, want 403", err)
	}
	_, err = client("abcdef.0123456789abcdeX").CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	wantUnauthorized(t, "wrong token secret", err)
}

// TestAgentJoin: `skiff agent --simulate 2 --token T` obtains one node
// certificate per hollow node through CSRs the approver approves
// (AutoApproved) and the signer issues; the nodes register and heartbeat
// as system:node:<name>; a second start reuses the kept certificates.
func TestAgentJoin(t *testing.T) {
	srv, dir, admin := startJoinServer(t, "")
	ctx := ctxFor(t)
	data, err := os.ReadFile(app.JoinTokenPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	agentDir := t.TempDir()
	cfg := app.AgentConfig{
		Server: srv.URL, Token: strings.TrimSpace(string(data)), DataDir: agentDir,
		CertificateAuthority: filepath.Join(dir, "server", "tls", "ca.crt"),
		Simulate:             2, NodeNamePrefix: "joined-", Logger: testLogger(),
	}
	agent, err := app.StartAgent(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"joined-0", "joined-1"} {
		if _, err := admin.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Fatalf("node %s: %v", n, err)
		}
		if _, err := admin.CoordinationV1().Leases("kube-node-lease").Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Fatalf("lease %s: %v", n, err)
		}
		if _, err := os.Stat(filepath.Join(agentDir, "agent", "nodes", n, "client.crt")); err != nil {
			t.Fatalf("kept certificate of %s: %v", n, err)
		}
	}
	csrs, err := admin.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(csrs.Items) != 2 {
		t.Fatalf("got %d CSRs, want 2", len(csrs.Items))
	}
	for _, c := range csrs.Items {
		if err := wantAutoApproved(&c); err != nil {
			t.Fatal(err)
		}
	}
	agent.Stop()
	again, err := app.StartAgent(ctx, cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	again.Stop()
	csrs, err = admin.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(csrs.Items) != 2 {
		t.Fatalf("after a restart got %d CSRs, want the same 2 (certificates reused)", len(csrs.Items))
	}
}

func wantAutoApproved(c *certv1.CertificateSigningRequest) error {
	if c.Spec.SignerName != certv1.KubeAPIServerClientKubeletSignerName || !strings.HasPrefix(c.Spec.Username, "system:bootstrap:") {
		return fmt.Errorf("csr %s: got signer %q user %q, want kubelet client from a bootstrapper", c.Name, c.Spec.SignerName, c.Spec.Username)
	}
	if len(c.Status.Conditions) == 0 || c.Status.Conditions[0].Type != certv1.CertificateApproved || c.Status.Conditions[0].Reason != "AutoApproved" {
		return fmt.Errorf("csr %s: got conditions %+v, want Approved/AutoApproved", c.Name, c.Status.Conditions)
	}
	if len(c.Status.Certificate) == 0 {
		return fmt.Errorf("csr %s: no certificate", c.Name)
	}
	return nil
}
