package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/skiff-dev/skiff/internal/inproc"
)

// Well-known groups, as upstream.
const (
	AuthenticatedGroup   = "system:authenticated"
	UnauthenticatedGroup = "system:unauthenticated"
	AnonymousUser        = "system:anonymous"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
	// Extra holds further attributes of the identity, e.g. the pod a
	// service account token is bound to; nil for most users.
	Extra map[string][]string
}

// TokenAuthenticator authenticates a bearer token. ok is false when the
// token is not one the authenticator knows (another may); err is set
// when the token is the authenticator's but invalid (expired, revoked).
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, token string) (u User, ok bool, err error)
}

type authKey struct{}

// requestAuth is what authentication and authorization leave in a
// request's context: the user, then the authorizer that allowed the
// request (RBAC escalation prevention asks it about escalate and bind)
// and the attributes it allowed (admission reads the subresource from
// them). Authorize fills in its part of the one its request already
// carries, so a request is copied once for both.
type requestAuth struct {
	user    User
	hasUser bool
	decided bool
	az      Authorizer
	attrs   Attributes
}

func authFrom(ctx context.Context) (*requestAuth, bool) {
	ra, ok := ctx.Value(authKey{}).(*requestAuth)
	return ra, ok
}

// WithUser returns ctx carrying u, and no authorization decision.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, authKey{}, &requestAuth{user: u, hasUser: true})
}

// UserFrom returns the user of a request context.
func UserFrom(ctx context.Context) (User, bool) {
	ra, ok := authFrom(ctx)
	if !ok || !ra.hasUser {
		return User{}, false
	}
	return ra.user, true
}

// publicPaths answer without credentials, as upstream's
// system:public-info-viewer allows.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

func isPublic(path string) bool {
	for _, p := range publicPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Authenticate wraps next: requests carry their user in the context.
// Identity comes from, in order, the in-process transport, a verified
// client certificate, and a bearer token that one of tokens accepts. A
// request with no credentials gets 401 Unauthorized, except on the public
// paths, where it proceeds as system:anonymous; a request whose bearer
// token no authenticator accepts gets 401 everywhere, as upstream.
func Authenticate(next http.Handler, tokens ...TokenAuthenticator) http.Handler {
	return AuthenticateWith(next, nil, tokens...)
}

// AuthenticateWith is Authenticate whose 401 answers go through
// wrapFailed (the failed-authentication audit), when not nil.
func AuthenticateWith(next http.Handler, wrapFailed func(http.Handler) http.Handler, tokens ...TokenAuthenticator) http.Handler {
	var failed http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeUnauthorized(w) })
	if wrapFailed != nil {
		failed = wrapFailed(failed)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, presented := authenticate(r, tokens)
		if !ok {
			if presented || !isPublic(r.URL.Path) {
				failed.ServeHTTP(w, r)
				return
			}
			u = User{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// authenticate reads the identity of a request; presented reports a
// bearer token that was tried and refused. In-process requests carry
// their identity in their context (inproc.Identity), which no request
// from the network has.
func authenticate(r *http.Request, tokens []TokenAuthenticator) (u User, ok, presented bool) {
	if name, groups, ok := inproc.Identity(r); ok && name != "" {
		return User{Name: name, Groups: withAuthenticated(groups)}, true, false
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		cert := r.TLS.VerifiedChains[0][0]
		return User{Name: cert.Subject.CommonName, Groups: withAuthenticated(cert.Subject.Organization)}, true, false
	}
	token, found := bearerToken(r)
	if !found {
		return User{}, false, false
	}
	for _, ta := range tokens {
		u, ok, err := ta.AuthenticateToken(r.Context(), token)
		if err != nil {
			return User{}, false, true
		}
		if ok {
			u.Groups = withAuthenticated(u.Groups)
			// The token authenticated this request; it goes no further.
			r.Header.Del("Authorization")
			return u, true, true
		}
	}
	return User{}, false, true
}

// bearerToken is the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// withAuthenticated returns groups plus system:authenticated, which every
// authenticated user belongs to, as upstream adds it.
func withAuthenticated(groups []string) []string {
	for _, g := range groups {
		if g == AuthenticatedGroup {
			return groups
		}
	}
	out := make([]string, 0, len(groups)+1)
	return append(append(out, groups...), AuthenticatedGroup)
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}` + "\n"))
}
