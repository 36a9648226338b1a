package serviceaccount

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// Getter finds the objects a token names: its service account and the
// pod or secret it is bound to. Errors are apimachinery API errors
// (NotFound for a missing object).
type Getter interface {
	ServiceAccount(namespace, name string) (*corev1.ServiceAccount, error)
	Pod(namespace, name string) (*corev1.Pod, error)
	Secret(namespace, name string) (*corev1.Secret, error)
}

// Authenticator accepts the tokens a Signer with the same key issued,
// while their service account, and the pod or secret they are bound to,
// still exist with the UIDs the token names. It is safe for concurrent
// use.
type Authenticator struct {
	pub    *ecdsa.PublicKey
	parser *jwt.Parser
	getter atomic.Pointer[Getter]
}

var _ auth.TokenAuthenticator = (*Authenticator)(nil)

// errNotReady rejects tokens until SetGetter: they cannot be checked.
var errNotReady = errors.New("service account token authenticator not ready")

// NewAuthenticator verifies tokens with pub against the clock now
// (time.Now if nil). Tokens are rejected until SetGetter.
func NewAuthenticator(pub *ecdsa.PublicKey, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		pub: pub,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Issuer),
			jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(now),
		),
	}
}

// SetGetter makes the authenticator check tokens' objects through g.
func (a *Authenticator) SetGetter(g Getter) { a.getter.Store(&g) }

// AuthenticateToken returns the service account user of a valid token.
// A token that is not a JWT of our issuer is not ok (another
// authenticator may know it); one of our issuer that is badly signed,
// expired, for another audience, or whose objects are gone is an error.
func (a *Authenticator) AuthenticateToken(_ context.Context, token string) (auth.User, bool, error) {
	if !ours(token) {
		return auth.User{}, false, nil
	}
	var c claims
	if _, err := a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.pub, nil }); err != nil {
		return auth.User{}, false, err
	}
	g := a.getter.Load()
	if g == nil {
		return auth.User{}, false, errNotReady
	}
	u, err := a.check(*g, &c)
	if err != nil {
		return auth.User{}, false, err
	}
	return u, true, nil
}

// ours reports whether token is a JWT whose unverified iss is Issuer.
func ours(token string) bool {
	if strings.Count(token, ".") != 2 {
		return false
	}
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return false
	}
	return c.Issuer == Issuer
}

// check finds the token's objects and builds its user.
func (a *Authenticator) check(g Getter, c *claims) (auth.User, error) {
	k := &c.Kubernetes
	if k.Namespace == "" || k.ServiceAccount.Name == "" || c.Subject != UserName(k.Namespace, k.ServiceAccount.Name) {
		return auth.User{}, errors.New("service account token has malformed claims")
	}
	sa, err := g.ServiceAccount(k.Namespace, k.ServiceAccount.Name)
	if err := sameObject("service account", k.Namespace, k.ServiceAccount, objUID(sa, err), err); err != nil {
		return auth.User{}, err
	}
	u := auth.User{
		Name:   c.Subject,
		UID:    k.ServiceAccount.UID,
		Groups: Groups(k.Namespace),
		Extra:  map[string][]string{},
	}
	if c.ID != "" {
		u.Extra[ExtraCredentialID] = []string{"JTI=" + c.ID}
	}
	switch {
	case k.Pod != nil:
		pod, err := g.Pod(k.Namespace, k.Pod.Name)
		if err := sameObject("pod", k.Namespace, *k.Pod, objUID(pod, err), err); err != nil {
			return auth.User{}, err
		}
		u.Extra[ExtraPodName] = []string{k.Pod.Name}
		u.Extra[ExtraPodUID] = []string{k.Pod.UID}
	case k.Secret != nil:
		secret, err := g.Secret(k.Namespace, k.Secret.Name)
		if err := sameObject("secret", k.Namespace, *k.Secret, objUID(secret, err), err); err != nil {
			return auth.User{}, err
		}
	}
	return u, nil
}

func objUID[T interface{ GetUID() types.UID }](obj T, err error) types.UID {
	if err != nil {
		return ""
	}
	return obj.GetUID()
}

// sameObject rejects a token whose object is gone or was recreated.
func sameObject(kind, namespace string, want ref, got types.UID, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %s/%s has been deleted", kind, namespace, want.Name)
	case err != nil:
		return fmt.Errorf("look up %s %s/%s: %w", kind, namespace, want.Name, err)
	case string(got) != want.UID:
		return fmt.Errorf("%s UID (%s) does not match claim (%s)", kind, got, want.UID)
	}
	return nil
}
