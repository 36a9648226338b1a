package integration

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/app"
)

// authServer is a server of its own with a token file and a clock the
// test moves, for token expiry.
type authServer struct {
	*testServer
	offset *atomic.Int64
}

const authTokenFile = `view-token,viewer,uid-v,"viewers,dev"
imp-token,impersonator,uid-i
`

func startAuthServer(t *testing.T) *authServer {
	t.Helper()
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(authTokenFile), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	offset := &atomic.Int64{}
	srv, err := app.StartServer(context.Background(), app.ServerConfig{
		DataDir:         dir,
		HTTPSPort:       port,
		BindAddress:     "127.0.0.1",
		WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"),
		TokenAuthFile:   tokens,
		Logger:          testLogger(),
		Now:             func() time.Time { return time.Now().Add(time.Duration(offset.Load())) },
	})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	ts := &testServer{srv: srv, dataDir: dir, port: port}
	if err := ts.buildClients(); err != nil {
		t.Fatal(err)
	}
	return &authServer{testServer: ts, offset: offset}
}

// tokenClient is a clientset that presents token and no certificate.
func (s *authServer) tokenClient(t *testing.T, token string) kubernetes.Interface {
	t.Helper()
	cfg := rest.AnonymousClientConfig(s.cfg)
	cfg.BearerToken = token
	return mustClient(t, cfg)
}

func mustClient(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// whoami asks the server who cs is.
func whoami(ctx context.Context, cs kubernetes.Interface) (authnv1.UserInfo, error) {
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authnv1.UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

// eventually polls f until it returns nil or ten seconds pass.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantUnauthorized(t *testing.T, what string, err error) {
	t.Helper()
	if !apierrors.IsUnauthorized(err) {
		t.Errorf("%s: got %v; want 401 Unauthorized", what, err)
	}
}

func TestAuthentication(t *testing.T) {
	s := startAuthServer(t)
	ctx := ctxFor(t)
	admin := s.cs
	const ns = "default"

	t.Run("token file user", func(t *testing.T) {
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "viewers-view"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "viewers"}},
		}
		if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}}
		if _, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		viewer := s.tokenClient(t, "view-token")
		u, err := whoami(ctx, viewer)
		want := authnv1.UserInfo{Username: "viewer", UID: "uid-v", Groups: []string{"viewers", "dev", "system:authenticated"}}
		if err != nil || !reflect.DeepEqual(u, want) {
			t.Errorf("whoami = %+v, %v; want %+v", u, err, want)
		}
		eventually(t, "viewer gets a config map", func() error {
			_, err := viewer.CoreV1().ConfigMaps(ns).Get(ctx, "cm", metav1.GetOptions{})
			return err
		})
		err = viewer.CoreV1().ConfigMaps(ns).Delete(ctx, "cm", metav1.DeleteOptions{})
		wantMsg := `configmaps "cm" is forbidden: User "viewer" cannot delete resource "configmaps" in API group "" in the namespace "default"`
		if !apierrors.IsForbidden(err) || err.Error() != wantMsg {
			t.Errorf("viewer deletes: got %v; want 403 %q", err, wantMsg)
		}
		_, err = s.tokenClient(t, "wrong-token").CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		wantUnauthorized(t, "wrong token", err)
	})

	t.Run("service account token", func(t *testing.T) {
		sa, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "robot", &authnv1.TokenRequest{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token request: %v", err)
		}
		if got := *tr.Spec.ExpirationSeconds; got != 3600 {
			t.Errorf("expirationSeconds = %d; want the default 3600", got)
		}
		robot := s.tokenClient(t, tr.Status.Token)
		u, err := whoami(ctx, robot)
		wantGroups := []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}
		if err != nil || u.Username != "system:serviceaccount:default:robot" || u.UID != string(sa.UID) || !reflect.DeepEqual(u.Groups, wantGroups) {
			t.Errorf("whoami = %+v, %v; want system:serviceaccount:default:robot uid %s groups %v", u, err, sa.UID, wantGroups)
		}
		if err := admin.CoreV1().ServiceAccounts(ns).Delete(ctx, "robot", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "token of a deleted service account rejected", func() error {
			if _, err := whoami(ctx, robot); !apierrors.IsUnauthorized(err) {
				return err
			}
			return nil
		})
		_, err = admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "robot", &authnv1.TokenRequest{}, metav1.CreateOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("token for a missing service account: got %v; want 404", err)
		}
	})

	t.Run("pod-bound token", func(t *testing.T) {
		if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "worker"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{
			ServiceAccountName: "worker", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		pod, err := admin.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{BoundObjectRef: &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "p"}}}
		tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "worker", req, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token request: %v", err)
		}
		if got := tr.Spec.BoundObjectRef.UID; got != pod.UID {
			t.Errorf("bound UID = %q; want the pod's %q", got, pod.UID)
		}
		worker := s.tokenClient(t, tr.Status.Token)
		u, err := whoami(ctx, worker)
		if err != nil || !reflect.DeepEqual(u.Extra["authentication.kubernetes.io/pod-name"], authnv1.ExtraValue{"p"}) {
			t.Errorf("whoami = %+v, %v; want extra pod-name p", u, err)
		}
		zero := int64(0)
		if err := admin.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "token of a deleted pod rejected", func() error {
			if _, err := whoami(ctx, worker); !apierrors.IsUnauthorized(err) {
				return err
			}
			return nil
		})
	})

	t.Run("expired token", func(t *testing.T) {
		if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "brief"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		short, tooShort := int64(600), int64(599)
		_, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "brief",
			&authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &tooShort}}, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "may not specify a duration less than 10 minutes") {
			t.Errorf("599 seconds: got %v; want 422 may not specify a duration less than 10 minutes", err)
		}
		tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "brief",
			&authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &short}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		brief := s.tokenClient(t, tr.Status.Token)
		if _, err := whoami(ctx, brief); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
		s.offset.Store(int64(11 * time.Minute))
		defer s.offset.Store(0)
		_, err = whoami(ctx, brief)
		wantUnauthorized(t, "expired token", err)
	})

	t.Run("impersonation", func(t *testing.T) {
		impCfg := rest.AnonymousClientConfig(s.cfg)
		impCfg.BearerToken = "imp-token"
		impCfg.Impersonate = rest.ImpersonationConfig{UserName: "alice", Groups: []string{"dev"}}
		_, err := whoami(ctx, mustClient(t, impCfg))
		wantMsg := `users "alice" is forbidden: User "impersonator" cannot impersonate resource "users" in API group "" at the cluster scope`
		if !apierrors.IsForbidden(err) || err.Error() != wantMsg {
			t.Errorf("impersonate without the verb: got %v; want 403 %q", err, wantMsg)
		}
		role := &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "impersonate-alice"},
			Rules: []rbacv1.PolicyRule{
				{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"users"}, ResourceNames: []string{"alice"}},
				{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"groups"}, ResourceNames: []string{"dev"}},
			},
		}
		if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "impersonate-alice"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "impersonate-alice"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "impersonator"}},
		}
		if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var u authnv1.UserInfo
		eventually(t, "impersonate alice once allowed", func() error {
			u, err = whoami(ctx, mustClient(t, impCfg))
			return err
		})
		want := authnv1.UserInfo{Username: "alice", Groups: []string{"dev", "system:authenticated"}}
		if !reflect.DeepEqual(u, want) {
			t.Errorf("whoami as alice = %+v; want %+v", u, want)
		}
		impCfg.Impersonate = rest.ImpersonationConfig{UserName: "alice", Groups: []string{"system:masters"}}
		_, err = whoami(ctx, mustClient(t, impCfg))
		wantMsg = `groups "system:masters" is forbidden: User "impersonator" cannot impersonate resource "groups" in API group "" at the cluster scope`
		if !apierrors.IsForbidden(err) || err.Error() != wantMsg {
			t.Errorf("impersonate system:masters: got %v; want 403 %q", err, wantMsg)
		}
	})
}
