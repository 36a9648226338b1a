package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// DefaultRequestTimeout is upstream's --request-timeout default.
const DefaultRequestTimeout = time.Minute

// errTimedOut is upstream's answer to a request that ran out of its
// deadline: 504, reason Timeout.
var errTimedOut = apierrors.NewTimeoutError("request did not complete within the allotted timeout", 0)

// longRunningSubresources are upstream's long-running subresources
// (BasicLongRunningRequestCheck): their requests stay open for as long as
// the client wants, so they get no deadline and no kept stack.
var longRunningSubresources = [...]string{"attach", "exec", "log", "portforward", "proxy"}

// longRunningPaths are longRunningSubresources as path segments ("/log"),
// for longRunning, which looks at the path before it is parsed.
var longRunningPaths = func() (p [len(longRunningSubresources)]string) {
	for i, sub := range longRunningSubresources {
		p[i] = "/" + sub
	}
	return p
}()

// longRunningRequest reports whether a request runs without a deadline, as
// upstream decides with the verbs watch and proxy and
// longRunningSubresources.
func longRunningRequest(info requestInfo) bool {
	return info.Verb == "watch" || info.Verb == "proxy" || slices.Contains(longRunningSubresources[:], info.Subresource)
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
