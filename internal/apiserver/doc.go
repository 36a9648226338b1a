// Package apiserver owns the Kubernetes REST API over HTTP: request parsing,
// content negotiation, discovery, the verbs (get, list, watch, create,
// update, patch, delete, deletecollection) and subresources of every
// resource in the apis table, server-side tables, and the translation of
// every error into a metav1.Status. It keeps no state of its own beyond
// caches of derived documents: objects live in storage.
//
// A request goes: ServeHTTP -> parseRequestInfo -> endpoint lookup ->
// handler for the verb -> storage.Resource -> encode. Errors travel as
// apimachinery error classes and are written exactly once, by writeError.
package apiserver
