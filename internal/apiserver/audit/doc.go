// Package audit owns the audit log: upstream's audit.k8s.io/v1 Policy
// decides, per request, a level (None, Metadata, Request, RequestResponse)
// and the stages to omit, and the Handler middleware writes audit.k8s.io/v1
// Events as JSON lines.
//
// The middleware sits after authentication (the user must be known) and
// before authorization, so denied requests are audited too. Per request it
// evaluates the policy once (first matching rule wins; no match is None).
// At None the request passes through untouched. Otherwise it writes a
// RequestReceived event (unless omitted) before calling the next handler
// and a ResponseComplete event after it, with the response code, and with
// the request body (Request and above) and response body
// (RequestResponse) attached as JSON: JSON bodies as they are, protobuf
// bodies re-encoded by Config.ToJSON (as upstream, events carry the objects
// whatever the wire encoding). Other bodies and watch streams are not
// attached. Requests rejected before authentication (401) are not audited.
//
// Use:
//
//	policy, err := audit.LoadPolicy(path)
//	w, err := audit.OpenLog(logPath) // "-" is standard output
//	h := auth.Authenticate(audit.Handler(next, audit.Config{Policy: policy, Sink: w}))
//
// When no policy is configured, callers do not install the middleware at
// all, so unaudited servers pay nothing.
package audit
