// Package inproc owns the in-process transport: an http.RoundTripper that
// hands requests straight to the API server's handler, with no TCP and no
// TLS, so components running inside the server process (controllers, the
// scheduler, bootstrapping) use the same client-go code they would use
// across machines, at the cost of a function call. Responses stream, so
// watches work.
package inproc
