package bootstrap

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Upstream's names for bootstrap token Secrets.
const (
	SecretType        = corev1.SecretTypeBootstrapToken // bootstrap.kubernetes.io/token
	SecretPrefix      = "bootstrap-token-"
	Namespace         = metav1.NamespaceSystem
	KeyTokenID        = "token-id"
	KeyTokenSecret    = "token-secret"
	KeyExpiration     = "expiration"
	KeyDescription    = "description"
	KeyExtraGroups    = "auth-extra-groups"
	KeyUsageAuthn     = "usage-bootstrap-authentication"
	KeyUsageSigning   = "usage-bootstrap-signing"
	UserPrefix        = "system:bootstrap:"
	Group             = "system:bootstrappers"
	tokenAlphabet     = "0123456789abcdefghijklmnopqrstuvwxyz"
	tokenIDLength     = 6
	tokenSecretLength = 16
)

var tokenPattern = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)

// Parse splits a token into its id and secret; ok is false for anything
// that is not of the form [a-z0-9]{6}.[a-z0-9]{16}.
func Parse(token string) (id, secret string, ok bool) {
	m := tokenPattern.FindStringSubmatch(token)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Validate returns an error naming the format when token is not a
// bootstrap token.
func Validate(token string) error {
	if _, _, ok := Parse(token); !ok {
		return fmt.Errorf("token %q does not match the bootstrap token format [a-z0-9]{6}.[a-z0-9]{16}", redact(token))
	}
	return nil
}

// redact keeps a token's id part, the secret never reaches a message.
func redact(token string) string {
	if id, _, ok := strings.Cut(token, "."); ok {
		return id + ".<redacted>"
	}
	return "<redacted>"
}

// Generate makes a random token.
func Generate() (string, error) {
	buf := make([]byte, tokenIDLength+tokenSecretLength)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	for i, b := range buf {
		buf[i] = tokenAlphabet[int(b)%len(tokenAlphabet)]
	}
	return string(buf[:tokenIDLength]) + "." + string(buf[tokenIDLength:]), nil
}

// Secret is the kube-system Secret that stores token, usable for
// authentication (and signing), with the given description and no
// expiry.
func Secret(token, description string) (*corev1.Secret, error) {
	id, secret, ok := Parse(token)
	if !ok {
		return nil, Validate(token)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretPrefix + id, Namespace: Namespace},
		Type:       SecretType,
		StringData: map[string]string{
			KeyTokenID:      id,
			KeyTokenSecret:  secret,
			KeyDescription:  description,
			KeyUsageAuthn:   "true",
			KeyUsageSigning: "true",
		},
	}, nil
}

// secretMatches reports whether s is a live bootstrap token Secret for
// id/secret usable for authentication at now, as upstream's
// authenticator checks it.
func secretMatches(s *corev1.Secret, id, secret string, now time.Time) bool {
	if s.DeletionTimestamp != nil || s.Type != SecretType {
		return false
	}
	if string(s.Data[KeyTokenID]) != id {
		return false
	}
	if subtle.ConstantTimeCompare(s.Data[KeyTokenSecret], []byte(secret)) != 1 {
		return false
	}
	if string(s.Data[KeyUsageAuthn]) != "true" {
		return false
	}
	if exp := string(s.Data[KeyExpiration]); exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil || !now.Before(t) {
			return false
		}
	}
	return true
}

// extraGroups reads auth-extra-groups: comma-separated groups, each of
// which must start with system:bootstrappers:, as upstream.
func extraGroups(s *corev1.Secret) ([]string, error) {
	raw := strings.TrimSpace(string(s.Data[KeyExtraGroups]))
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, g := range strings.Split(raw, ",") {
		g = strings.TrimSpace(g)
		if !strings.HasPrefix(g, Group+":") {
			return nil, fmt.Errorf("%s: group %q does not start with %s:", KeyExtraGroups, g, Group)
		}
		out = append(out, g)
	}
	return out, nil
}
