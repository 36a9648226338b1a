// Package auth owns who a request is: it authenticates requests (x509
// client certificates verified by the TLS layer, and the in-process
// identity of components inside the server) and rejects the
// unauthenticated with upstream's 401, except on the public health and
// version endpoints. The user travels in the request context.
package auth
