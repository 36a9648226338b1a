package bootstrap

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// SecretGetter reads kube-system Secrets (an informer's lister in the
// server); a missing one is a NotFound error.
type SecretGetter interface {
	Get(name string) (*corev1.Secret, error)
}

// Authenticator accepts bootstrap tokens stored as Secrets.
type Authenticator struct {
	secrets SecretGetter
	now     func() time.Time
}

var _ auth.TokenAuthenticator = (*Authenticator)(nil)

// NewAuthenticator reads tokens from secrets; now is the clock (time.Now
// when nil).
func NewAuthenticator(secrets SecretGetter, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{secrets: secrets, now: now}
}

// AuthenticateToken: a token of the bootstrap format whose Secret exists,
// matches, allows authentication and has not expired is the user
// system:bootstrap:<id>. Anything else is not this authenticator's (ok
// false, no error), as upstream, so another authenticator may try.
func (a *Authenticator) AuthenticateToken(_ context.Context, token string) (auth.User, bool, error) {
	id, secret, ok := Parse(token)
	if !ok {
		return auth.User{}, false, nil
	}
	s, err := a.secrets.Get(SecretPrefix + id)
	if apierrors.IsNotFound(err) {
		return auth.User{}, false, nil
	}
	if err != nil {
		return auth.User{}, false, err
	}
	if !secretMatches(s, id, secret, a.now()) {
		return auth.User{}, false, nil
	}
	extra, err := extraGroups(s)
	if err != nil {
		return auth.User{}, false, errors.New("bootstrap token has invalid extra groups")
	}
	return auth.User{Name: UserPrefix + id, Groups: append([]string{Group}, extra...)}, true, nil
}
