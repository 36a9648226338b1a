package serviceaccount

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fakeGetter holds objects by "namespace/name".
type fakeGetter struct {
	sas     map[string]*corev1.ServiceAccount
	pods    map[string]*corev1.Pod
	secrets map[string]*corev1.Secret
}

func get[T any](m map[string]*T, resource, ns, name string) (*T, error) {
	if o, ok := m[ns+"/"+name]; ok {
		return o, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource(resource), name)
}

func (g *fakeGetter) ServiceAccount(ns, name string) (*corev1.ServiceAccount, error) {
	return get(g.sas, "serviceaccounts", ns, name)
}
func (g *fakeGetter) Pod(ns, name string) (*corev1.Pod, error) { return get(g.pods, "pods", ns, name) }
func (g *fakeGetter) Secret(ns, name string) (*corev1.Secret, error) {
	return get(g.secrets, "secrets", ns, name)
}

func meta(name, uid string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(uid)}
}

func TestAuthenticateToken(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	signer, err := NewSigner(key, clock)
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, _ := NewSigner(otherKey, clock)
	sa := &corev1.ServiceAccount{ObjectMeta: meta("robot", "sa-1")}
	g := &fakeGetter{
		sas:     map[string]*corev1.ServiceAccount{"ns/robot": sa},
		pods:    map[string]*corev1.Pod{"ns/p": {ObjectMeta: meta("p", "pod-1")}},
		secrets: map[string]*corev1.Secret{"ns/s": {ObjectMeta: meta("s", "secret-1")}},
	}
	issue := func(s *Signer, sa *corev1.ServiceAccount, aud []string, bound *authnv1.BoundObjectReference) string {
		tok, _, err := s.IssueToken(sa, aud, time.Hour, bound)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	aud := signer.Audiences()
	plain := issue(signer, sa, aud, nil)
	podBound := issue(signer, sa, aud, &authnv1.BoundObjectReference{Kind: "Pod", Name: "p", UID: "pod-1"})
	secretBound := issue(signer, sa, aud, &authnv1.BoundObjectReference{Kind: "Secret", Name: "s", UID: "secret-1"})
	stalePod := issue(signer, sa, aud, &authnv1.BoundObjectReference{Kind: "Pod", Name: "p", UID: "pod-0"})
	goneSecret := issue(signer, sa, aud, &authnv1.BoundObjectReference{Kind: "Secret", Name: "gone", UID: "x"})
	goneSA := issue(signer, &corev1.ServiceAccount{ObjectMeta: meta("gone", "sa-9")}, aud, nil)
	recreatedSA := issue(signer, &corev1.ServiceAccount{ObjectMeta: meta("robot", "sa-0")}, aud, nil)
	otherAudience := issue(signer, sa, []string{"vault"}, nil)
	forged := issue(otherSigner, sa, aud, nil)

	a := NewAuthenticator(&key.PublicKey, clock)
	if _, _, err := a.AuthenticateToken(context.Background(), plain); err == nil {
		t.Errorf("token before SetGetter: got no error; want not ready")
	}
	a.SetGetter(g)

	tests := []struct {
		name      string
		token     string
		after     time.Duration
		wantOK    bool
		wantErr   string
		wantExtra map[string][]string
	}{
		{name: "valid", token: plain, wantOK: true},
		{name: "bound to a live pod", token: podBound, wantOK: true,
			wantExtra: map[string][]string{ExtraPodName: {"p"}, ExtraPodUID: {"pod-1"}}},
		{name: "bound to a live secret", token: secretBound, wantOK: true},
		{name: "expired", token: plain, after: time.Hour + time.Second, wantErr: "expired"},
		{name: "not yet valid", token: plain, after: -time.Minute, wantErr: "not valid yet"},
		{name: "service account deleted", token: goneSA, wantErr: "service account ns/gone has been deleted"},
		{name: "service account recreated", token: recreatedSA, wantErr: "service account UID (sa-1) does not match claim (sa-0)"},
		{name: "pod recreated", token: stalePod, wantErr: "pod UID (pod-1) does not match claim (pod-0)"},
		{name: "secret deleted", token: goneSecret, wantErr: "secret ns/gone has been deleted"},
		{name: "another audience", token: otherAudience, wantErr: "audience"},
		{name: "signed by another key", token: forged, wantErr: "signature"},
		{name: "not a jwt", token: "abc123", wantOK: false},
		{name: "another issuer", token: "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJvdGhlciJ9.c2ln", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = start.Add(tt.after)
			u, ok, err := a.AuthenticateToken(context.Background(), tt.token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("AuthenticateToken: got ok=%v err=%v; want error containing %q", ok, err, tt.wantErr)
				}
				return
			}
			if err != nil || ok != tt.wantOK {
				t.Fatalf("AuthenticateToken: got ok=%v err=%v; want ok=%v", ok, err, tt.wantOK)
			}
			if !ok {
				return
			}
			wantGroups := []string{"system:serviceaccounts", "system:serviceaccounts:ns"}
			if u.Name != "system:serviceaccount:ns:robot" || u.UID != "sa-1" || !reflect.DeepEqual(u.Groups, wantGroups) {
				t.Errorf("user = %+v; want system:serviceaccount:ns:robot uid sa-1 groups %v", u, wantGroups)
			}
			for k, v := range tt.wantExtra {
				if !reflect.DeepEqual(u.Extra[k], v) {
					t.Errorf("extra %s = %v; want %v", k, u.Extra[k], v)
				}
			}
			if id := u.Extra[ExtraCredentialID]; len(id) != 1 || !strings.HasPrefix(id[0], "JTI=") {
				t.Errorf("credential id = %v; want [JTI=...]", id)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tls", "service-account.key")
	first, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	again, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !first.Equal(again) {
		t.Errorf("second load got another key; want the one created first")
	}
}

func TestIssueTokenRejectsOtherKinds(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := NewSigner(key, nil)
	sa := &corev1.ServiceAccount{ObjectMeta: meta("robot", "sa-1")}
	if _, _, err := s.IssueToken(sa, s.Audiences(), time.Hour, &authnv1.BoundObjectReference{Kind: "ConfigMap", Name: "c"}); err == nil {
		t.Errorf("bind to a ConfigMap: got no error; want one")
	}
}
