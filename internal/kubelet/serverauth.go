package kubelet

import (
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
)

// apiHandler authenticates and authorizes every request of the kubelet
// API as upstream's kubelet does (pkg/kubelet/server InstallAuthFilter)
// with anonymous auth off, x509 client certificates and Webhook
// authorization:
//   - a request without a client certificate verified by the client CA is
//     401 "Unauthorized";
//   - the user is the certificate's CN, its groups its O values;
//   - the request is allowed when the authorizer allows verb (from the
//     HTTP method) on nodes/<subresource> named after the node for one of
//     the subresources of the path (subresources), tried in order;
//   - otherwise 403 with upstream's body, "Forbidden (user=<cn>,
//     verb=get, resource=nodes, subresource(s)=[metrics])";
//   - an authorizer error is 500 "Authorization error (...)".
type apiHandler struct {
	node     string
	clientCA *x509.CertPool
	authz    Authorizer
	next     http.Handler
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, groups, ok := h.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	verb := apiVerb(r.Method)
	subs := subresources(r.URL.Path)
	for _, sub := range subs {
		allowed, err := h.authz.Authorize(r.Context(), Attributes{User: user, Groups: groups, Verb: verb, Subresource: sub, Name: h.node})
		if err != nil {
			writeError(w, http.StatusInternalServerError,
				fmt.Sprintf("Authorization error (user=%s, verb=%s, resource=nodes, subresource=%s)", user, verb, sub))
			return
		}
		if allowed {
			h.next.ServeHTTP(w, r)
			return
		}
	}
	writeError(w, http.StatusForbidden,
		fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource(s)=%v)\n", user, verb, subs))
}

// authenticate verifies the request's client certificate chain against
// the client CA for client authentication, as the API server's x509
// authenticator does.
func (h *apiHandler) authenticate(r *http.Request) (user string, groups []string, ok bool) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "", nil, false
	}
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         h.clientCA,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil || leaf.Subject.CommonName == "" {
		return "", nil, false
	}
	return leaf.Subject.CommonName, leaf.Subject.Organization, true
}

// writeError writes msg as upstream's kubelet does (go-restful's
// WriteErrorString: the text as is, no newline added).
func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg)
}
