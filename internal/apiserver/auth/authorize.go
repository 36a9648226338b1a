package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Authorizer decides whether a user may do what a request asks. reason
// explains a denial (it may be empty) and is appended to the 403 message,
// as upstream appends its authorizers' reasons.
type Authorizer interface {
	Authorize(u User, a Attributes) (allowed bool, reason string)
}

// Authorize wraps next: a request whose user the authorizer does not allow
// gets upstream's 403 Forbidden. It must run inside Authenticate, which
// puts the user in the request context.
func Authorize(next http.Handler, az Authorizer) http.Handler {
	return AuthorizeWithMetrics(next, az, nil)
}

// AuthorizeWithMetrics is Authorize recording each decision in m (none
// when m is nil), as upstream's WithAuthorization does.
func AuthorizeWithMetrics(next http.Handler, az Authorizer, m *Metrics) http.Handler {
	decide := az.Authorize
	if m != nil {
		decide = func(u User, a Attributes) (bool, string) { return m.decide(az, u, a) }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			writeStatus(w, apierrors.NewInternalError(errors.New("no user on the request")))
			return
		}
		a := AttributesFrom(r)
		if allowed, reason := decide(u, a); !allowed {
			writeStatus(w, Forbidden(u, a, reason))
			return
		}
		if ra, ok := authFrom(r.Context()); ok && !ra.decided {
			ra.decided, ra.az, ra.attrs = true, az, a
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithDecision(r.Context(), az, a)))
	})
}

// Forbidden is upstream's 403 for a denied request, e.g.
//
//	pods "p1" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"
func Forbidden(u User, a Attributes, reason string) *apierrors.StatusError {
	msg := htmlSanitizer.Replace(ForbiddenMessage(u, a))
	if reason != "" {
		msg += ": " + reason
	}
	var gr schema.GroupResource
	if a.ResourceRequest {
		gr = schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}
	}
	return apierrors.NewForbidden(gr, a.Name, errors.New(msg))
}

// htmlSanitizer keeps a 403 message (which quotes the request's path and
// names) from looking like HTML, as upstream's responsewriters.Forbidden;
// the authorizer's reason is appended as it is.
var htmlSanitizer = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

// ForbiddenMessage says who cannot do what, in upstream's words.
func ForbiddenMessage(u User, a Attributes) string {
	if !a.ResourceRequest {
		return fmt.Sprintf("User %q cannot %s path %q", u.Name, a.Verb, a.Path)
	}
	resource := a.Resource
	if a.Subresource != "" {
		resource += "/" + a.Subresource
	}
	if a.Namespace != "" {
		return fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q", u.Name, a.Verb, resource, a.APIGroup, a.Namespace)
	}
	return fmt.Sprintf("User %q cannot %s resource %q in API group %q at the cluster scope", u.Name, a.Verb, resource, a.APIGroup)
}

// writeStatus writes err's status as JSON, which every client decodes
// whatever it asked for.
func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.ErrStatus
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	body, mErr := json.Marshal(&st)
	if mErr != nil {
		http.Error(w, mErr.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(int(st.Code))
	// A failed write means the client went away; nothing is left to tell it.
	_, _ = w.Write(append(body, '\n'))
}

// WithDecision returns ctx carrying the authorizer that allowed its
// request and the attributes it allowed, and the user ctx carries.
func WithDecision(ctx context.Context, az Authorizer, a Attributes) context.Context {
	ra := &requestAuth{decided: true, az: az, attrs: a}
	if cur, ok := authFrom(ctx); ok {
		ra.user, ra.hasUser = cur.user, cur.hasUser
	}
	return context.WithValue(ctx, authKey{}, ra)
}

// AuthorizerFrom returns the authorizer of a request context.
func AuthorizerFrom(ctx context.Context) (Authorizer, bool) {
	ra, ok := authFrom(ctx)
	if !ok || !ra.decided {
		return nil, false
	}
	return ra.az, true
}

// AttributesFromContext returns the attributes Authorize decided on.
func AttributesFromContext(ctx context.Context) (Attributes, bool) {
	ra, ok := authFrom(ctx)
	if !ok || !ra.decided {
		return Attributes{}, false
	}
	return ra.attrs, true
}

// requestAttributes are r's attributes: those Authorize decided on when it
// ran before, else read from r.
func requestAttributes(r *http.Request) Attributes {
	if a, ok := AttributesFromContext(r.Context()); ok {
		return a
	}
	return AttributesFrom(r)
}
