package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/skiff-dev/skiff/internal/inproc"
)

// User is an authenticated identity.
type User struct {
	Name   string
	Groups []string
}

type userKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user of a request context.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
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

// Authenticate wraps next: requests carry their user in the context;
// requests with no valid credentials get 401 Unauthorized, except on the
// public paths, where they proceed as system:anonymous.
func Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := authenticate(r)
		if !ok {
			if !isPublic(r.URL.Path) {
				writeUnauthorized(w)
				return
			}
			u = User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// authenticate reads the identity of a request. In-process requests have
// no remote address; identity headers from the network are dropped.
func authenticate(r *http.Request) (User, bool) {
	if r.RemoteAddr == "" && r.TLS == nil {
		name := r.Header.Get(inproc.UserHeader)
		if name != "" {
			return User{Name: name, Groups: append(r.Header.Values(inproc.GroupHeader), "system:authenticated")}, true
		}
	}
	r.Header.Del(inproc.UserHeader)
	r.Header.Del(inproc.GroupHeader)
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		cert := r.TLS.VerifiedChains[0][0]
		groups := append([]string{}, cert.Subject.Organization...)
		groups = append(groups, "system:authenticated")
		return User{Name: cert.Subject.CommonName, Groups: groups}, true
	}
	return User{}, false
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}` + "\n"))
}
