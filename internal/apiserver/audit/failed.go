package audit

import (
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// failedAuthentication is what Handler does for a request with no user:
// wrapped around the handler that answers 401 to requests authentication
// refused, it audits them as upstream's WithFailedAuthenticationAudit:
// one event at stage ResponseStarted with no user, the response status
// code 401 and the message "Authentication failed, attempted: <methods>"
// or "Authentication failed, no credentials provided", if the policy, deciding for an empty user, audits the
// request.
func failedAuthentication(failed http.Handler, cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := auth.AttributesFrom(r)
		d := cfg.Policy.Decide(auth.User{}, a)
		if d.Level == LevelNone || d.omits(StageResponseStarted) {
			failed.ServeHTTP(w, r)
			return
		}
		ev := newEvent(r, auth.User{}, a, d.Level, cfg)
		ev.Stage = StageResponseStarted
		ev.ResponseStatus = &metav1.Status{Code: http.StatusUnauthorized, Message: attemptedMethods(r)}
		w.Header().Set("Audit-Id", string(ev.AuditID))
		failed.ServeHTTP(w, r)
		cfg.Sink.Write(ev)
	})
}

// attemptedMethods names the credentials a request carried, in upstream's
// order and words (getAuthMethods of filters/authn_audit.go): basic,
// bearer, access_token, x509; "no credentials provided" when it had none.
func attemptedMethods(r *http.Request) string {
	var m []string
	if _, _, ok := r.BasicAuth(); ok {
		m = append(m, "basic")
	}
	parts := strings.Split(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if len(parts) > 1 && strings.EqualFold(parts[0], "bearer") {
		m = append(m, "bearer")
	}
	if strings.TrimSpace(r.URL.Query().Get("access_token")) != "" {
		m = append(m, "access_token")
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		m = append(m, "x509")
	}
	if len(m) == 0 {
		return "Authentication failed, no credentials provided"
	}
	return "Authentication failed, attempted: " + strings.Join(m, ", ")
}
