// Package auth owns who a request is and whether it may go on: the HTTP
// filters in front of the API, outermost first.
//
// Authenticate finds the user: the in-process identity of components
// inside the server (headers the network cannot forge), an x509 client
// certificate verified by the TLS layer (CN = user, O = groups), or a
// bearer token accepted by a TokenAuthenticator: TokenFile
// (--token-auth-file, upstream's CSV token,user,uid,"group1,group2") and
// the service account tokens of package serviceaccount. Every
// authenticated user is in system:authenticated. A request without
// credentials gets upstream's 401 Unauthorized Status, except on
// /healthz, /livez, /readyz and /version, where it proceeds as
// system:anonymous; a wrong, expired or revoked token is 401 everywhere.
// The user (name, UID, groups, extra) travels in the request context.
//
// Impersonate swaps the user for the one the Impersonate-User,
// Impersonate-Group, Impersonate-Uid and Impersonate-Extra-* headers
// name, when the Authorizer lets the real user `impersonate` that user
// (users, or serviceaccounts for system:serviceaccount:<ns>:<name>),
// each group (groups), the UID (uids.authentication.k8s.io) and each
// extra value (userextras/<key>.authentication.k8s.io); otherwise it
// answers upstream's 403.
//
// Authorize asks an Authorizer (RBAC, package rbac) about the request's
// Attributes, read as upstream's RequestInfoFactory reads them, and
// answers a denial with upstream's 403 naming user, verb, resource and
// namespace. AuthorizeWithMetrics also records each decision in
// upstream's authorization_attempts_total and
// authorization_duration_seconds (by result: allowed, no-opinion), whose
// Collectors the caller registers with the /metrics registry.
//
// Reviews and SelfReviews answer the virtual, create-only review APIs
// from the same decisions, storing nothing: SelfSubjectAccessReview,
// SubjectAccessReview, LocalSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`kubectl auth can-i --list`, from a
// RuleLister) and SelfSubjectReview (`kubectl auth whoami`).
//
// internal/app assembles them as
//
//	Authenticate(Impersonate(Authorize(SelfReviews(Reviews(api, az), az, now), az), az), tokens...)
package auth
