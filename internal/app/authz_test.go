package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/pki"
)

// authzServer is a running server, its admin client and its CA bundle.
type authzServer struct {
	srv    *Server
	admin  kubernetes.Interface
	bundle *pki.Bundle
}

func startAuthzServer(t *testing.T) *authzServer {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig.yaml")
	srv, err := StartServer(context.Background(), ServerConfig{DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: kubeconfig, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := pki.Ensure(pki.Config{Dir: filepath.Join(dir, "server", "tls")})
	if err != nil {
		t.Fatal(err)
	}
	return &authzServer{srv: srv, admin: kubernetes.NewForConfigOrDie(cfg), bundle: bundle}
}

// userConfig is a client config with a certificate for CN=name, O=groups
// signed by the server's CA.
func (s *authzServer) userConfig(t *testing.T, name string, groups ...string) *rest.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: name, Organization: groups}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := pki.SignClientCert(s.bundle, csr, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Config{Host: s.srv.URL, TLSClientConfig: rest.TLSClientConfig{
		CAData: s.bundle.CACertPEM, CertData: certPEM,
		KeyData: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})}}
}

// anonymous is an HTTPS client that trusts the server but shows no
// certificate.
func (s *authzServer) anonymous(t *testing.T) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.bundle.CACertPEM)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestRBACThroughServer(t *testing.T) {
	s := startAuthzServer(t)
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p1", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	if _, err := s.admin.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("admin create pod: %v", err)
	}
	alice := kubernetes.NewForConfigOrDie(s.userConfig(t, "alice", "devs"))
	if _, err := alice.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("unbound alice list pods: err %v; want Forbidden", err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-view", Namespace: "default"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}}}
	if _, err := s.admin.RbacV1().RoleBindings("default").Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("admin create binding: %v", err)
	}
	eventually(t, "alice lists pods once bound to view", func() error {
		_, err := alice.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		return err
	})

	forbidden := []struct {
		name string
		do   func() error
		want string
	}{
		{"delete named pod", func() error { return alice.CoreV1().Pods("default").Delete(ctx, "p1", metav1.DeleteOptions{}) },
			`pods "p1" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "default"`},
		{"list in another namespace", func() error {
			_, err := alice.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
			return err
		}, `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"`},
		{"cluster scope", func() error {
			_, err := alice.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
			return err
		}, `nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope`},
		{"secrets are not in view", func() error {
			_, err := alice.CoreV1().Secrets("default").Get(ctx, "s", metav1.GetOptions{})
			return err
		}, `secrets "s" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "default"`},
		{"metrics path", func() error {
			return alice.CoreV1().RESTClient().Get().AbsPath("/metrics").Do(ctx).Error()
		}, `forbidden: User "alice" cannot get path "/metrics"`},
	}
	for _, tt := range forbidden {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !apierrors.IsForbidden(err) || apierrors.ReasonForError(err) != metav1.StatusReasonForbidden {
				t.Fatalf("err = %v; want 403 Forbidden", err)
			}
			var st apierrors.APIStatus
			if se, ok := err.(apierrors.APIStatus); ok {
				st = se
			}
			if got := st.Status().Message; got != tt.want {
				t.Errorf("message = %q; want %q", got, tt.want)
			}
		})
	}

	allowed := []struct {
		name string
		do   func() error
	}{
		{"alice gets pod", func() error { _, err := alice.CoreV1().Pods("default").Get(ctx, "p1", metav1.GetOptions{}); return err }},
		{"alice discovery", func() error { _, err := alice.Discovery().ServerGroups(); return err }},
		{"alice watches pods", func() error {
			w, err := alice.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
			if err == nil {
				w.Stop()
			}
			return err
		}},
		{"admin metrics", func() error { return s.admin.CoreV1().RESTClient().Get().AbsPath("/metrics").Do(ctx).Error() }},
		{"admin lists nodes", func() error { _, err := s.admin.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); return err }},
		{"admin deletes pod", func() error { return s.admin.CoreV1().Pods("default").Delete(ctx, "p1", metav1.DeleteOptions{}) }},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Errorf("err = %v; want nil", err)
			}
		})
	}
}

func TestRBACAggregationThroughServer(t *testing.T) {
	s := startAuthzServer(t)
	ctx := context.Background()
	bob := kubernetes.NewForConfigOrDie(s.userConfig(t, "bob"))
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bob-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}}}
	if _, err := s.admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob lists pods", func() error {
		_, err := bob.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		return err
	})
	if _, err := bob.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("bob list secrets before aggregation: err %v; want Forbidden", err)
	}
	extra := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "secret-reader",
		Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"secrets"}}}}
	if _, err := s.admin.RbacV1().ClusterRoles().Create(ctx, extra, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob lists secrets through aggregation into view", func() error {
		_, err := bob.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
		return err
	})
	view, err := s.admin.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Aggregated rules come in the order of the selected roles' names.
	if got := view.Rules[0]; len(got.Resources) != 1 || got.Resources[0] != "secrets" {
		t.Errorf("first rule of view = %v; want the aggregated secrets rule of secret-reader", got)
	}
}

func TestPublicPathsAndUnauthenticated(t *testing.T) {
	s := startAuthzServer(t)
	c := s.anonymous(t)
	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/readyz", 200, "ok"},
		{"/healthz", 200, "ok"},
		{"/livez", 200, "ok"},
		{"/version", 200, "v1.33.0+skiff"},
		{"/api", 401, "Unauthorized"},
		{"/api/v1/namespaces/default/pods", 401, "Unauthorized"},
		{"/metrics", 401, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := c.Get(s.srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantCode || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("GET %s = %d %q; want %d containing %q", tt.path, resp.StatusCode, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// eventually polls fn until it succeeds: RBAC changes reach the
// authorizer through its informers, a moment after the write.
func eventually(t *testing.T, what string, fn func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		last = fn()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v (last error: %v)", what, err, last)
	}
}

func TestAccessReviewsThroughServer(t *testing.T) {
	s := startAuthzServer(t)
	ctx := context.Background()
	carol := kubernetes.NewForConfigOrDie(s.userConfig(t, "carol"))
	ssar := func(verb, resource string) (bool, error) {
		r, err := carol.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
			Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
				Verb: verb, Resource: resource, Namespace: "default"}}}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return r.Status.Allowed, nil
	}
	if got, err := ssar("list", "pods"); err != nil || got {
		t.Fatalf("unbound carol can-i list pods = %v, %v; want false, nil", got, err)
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "carol-edit"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "carol"}}}
	if _, err := s.admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "carol can-i delete pods once bound to edit", func() error {
		if ok, err := ssar("delete", "pods"); err != nil || !ok {
			return fmt.Errorf("allowed %v, err %v", ok, err)
		}
		return nil
	})
	if got, err := ssar("create", "roles"); err != nil || got {
		t.Errorf("carol (edit) can-i create roles = %v, %v; want false, nil", got, err)
	}
	sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: "carol",
		ResourceAttributes: &authzv1.ResourceAttributes{Verb: "get", Resource: "secrets", Namespace: "x"}}}
	if _, err := carol.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("carol creates a SubjectAccessReview: err %v; want Forbidden", err)
	}
	got, err := s.admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil || !got.Status.Allowed {
		t.Errorf("admin SubjectAccessReview for carol get secrets = %+v, %v; want allowed", got, err)
	}
}
