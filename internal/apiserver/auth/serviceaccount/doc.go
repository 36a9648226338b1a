// Package serviceaccount owns service account tokens: the server's
// signing key (created once, kept in the data dir), the Signer that the
// TokenRequest API (serviceaccounts/token) issues tokens with, and the
// Authenticator that accepts them.
//
// Tokens are ES256 JWTs with upstream's claims: iss and the API server's
// audience "https://kubernetes.default.svc.cluster.local", sub
// system:serviceaccount:<ns>:<name>, exp, nbf, iat, jti, and
// kubernetes.io{namespace, serviceaccount{name,uid}, pod|secret{name,uid}}.
// A token authenticates as system:serviceaccount:<ns>:<name> in groups
// system:serviceaccounts and system:serviceaccounts:<ns> while it is
// unexpired and its service account, and the pod or secret it is bound
// to, exist with the UIDs it names. Those checks read informer caches
// through a Getter (StartGetter), going to the API only on a cache miss,
// never per request to etcd.
package serviceaccount
