package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusFor turns any error into the metav1.Status sent to the client.
// Errors that are not apimachinery API errors become 500 InternalError.
func statusFor(err error) *metav1.Status {
	var apiStatus apierrors.APIStatus
	if errors.As(err, &apiStatus) {
		st := apiStatus.Status()
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		return &st
	}
	return &apierrors.NewInternalError(err).ErrStatus
}

// writeError writes err as a metav1.Status in the format the client asked
// for. It is the only place errors reach the wire.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := statusFor(err)
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	s.writeObject(w, r, int(st.Code), st)
}

// errMethodNotSupported is upstream's 405 for a verb a resource does not serve.
func errMethodNotSupported(resource, verb string) error {
	return apierrors.NewMethodNotSupported(grOf(resource), verb)
}

// errNotFoundPath is upstream's 404 for a path that names nothing served.
func errNotFoundPath(path string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Message: "the server could not find the requested resource",
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeUnexpectedServerResponse, Message: "404 page not found"}}},
	}}
}

// unservedProxies are the proxy subresources upstream serves and Skiff
// does not: they would reach pod and Service addresses from the server,
// and the server has no route to those.
var unservedProxies = map[string]bool{"pods": true, "services": true}

// errProxyNotServed is the 404 for such a subresource. It says what is
// missing, where the generic 404 would read as a missing pod or Service.
func errProxyNotServed(resource string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusNotFound,
		Reason: metav1.StatusReasonNotFound,
		Message: resource + "/proxy is not served: this server does not proxy to pod or Service addresses" +
			" (kubectl port-forward reaches a pod through its node's kubelet)",
	}}
}

func errBadRequest(format string, args ...any) error {
	return apierrors.NewBadRequest(fmt.Sprintf(format, args...))
}
