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
// (x509, bearer), if the policy, deciding for an empty user, audits the
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

// attemptedMethods names the credentials a request carried.
func attemptedMethods(r *http.Request) string {
	var m []string
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		m = append(m, "x509")
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		m = append(m, "bearer")
	}
	return "Authentication failed, attempted: " + strings.Join(m, ", ")
}
