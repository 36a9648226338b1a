package serviceaccount

import (
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// Signer issues service account tokens: ES256 JWTs carrying upstream's
// claims. It is safe for concurrent use.
type Signer struct {
	key *ecdsa.PrivateKey
	kid string
	now func() time.Time
}

// NewSigner signs with key; now is the clock (time.Now if nil).
func NewSigner(key *ecdsa.PrivateKey, now func() time.Time) (*Signer, error) {
	kid, err := keyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, kid: kid, now: now}, nil
}

// Audiences are the API server's own audiences: a token request naming
// none gets these.
func (s *Signer) Audiences() []string { return []string{Issuer} }

// IssueToken signs a token for sa, for audiences, valid from now for
// lifetime, bound to the pod or secret bound names (with its UID) if bound
// is not nil.
func (s *Signer) IssueToken(sa *corev1.ServiceAccount, audiences []string, lifetime time.Duration, bound *authnv1.BoundObjectReference) (string, time.Time, error) {
	now := s.now().Truncate(time.Second)
	exp := now.Add(lifetime)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   UserName(sa.Namespace, sa.Name),
			Audience:  jwt.ClaimStrings(audiences),
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        string(uuid.NewUUID()),
		},
		Kubernetes: kubernetesClaims{
			Namespace:      sa.Namespace,
			ServiceAccount: ref{Name: sa.Name, UID: string(sa.UID)},
		},
	}
	if bound != nil {
		r := &ref{Name: bound.Name, UID: string(bound.UID)}
		switch bound.Kind {
		case "Pod":
			c.Kubernetes.Pod = r
		case "Secret":
			c.Kubernetes.Secret = r
		default:
			return "", time.Time{}, fmt.Errorf("cannot bind a token to a %s", bound.Kind)
		}
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, err
	}
	return signed, exp, nil
}
