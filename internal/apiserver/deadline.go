package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// DefaultRequestTimeout is upstream's --request-timeout default.
const DefaultRequestTimeout = time.Minute

// errTimedOut is upstream's answer to a request that ran out of its
// deadline: 504, reason Timeout.
var errTimedOut = apierrors.NewTimeoutError("request did not complete within the allotted timeout", 0)

// longRunningRequest reports whether a request runs without a deadline, as
// upstream's BasicLongRunningRequestCheck decides with the verbs watch
// and proxy and the subresources attach, exec, proxy, log and
// portforward.
func longRunningRequest(info requestInfo) bool {
	switch info.Verb {
	case "watch", "proxy":
		return true
	}
	switch info.Subresource {
	case "attach", "exec", "proxy", "log", "portforward":
		return true
	}
	return false
}

// withDeadline bounds ctx by the server's request timeout, or by the
// request's timeout query parameter when that is shorter and positive (0
// asks for no timeout of the client's own), counted from now, as
// upstream's WithRequestDeadline does. A timeout that does not parse is a
// 400.
func (s *Server) withDeadline(ctx context.Context, r *http.Request) (context.Context, context.CancelFunc, error) {
	timeout := s.cfg.RequestTimeout
	if v := queryValue(r, "timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid timeout specified in the request URL - %v", err))
		}
		if d > 0 && d < timeout {
			timeout = d
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, nil
}
