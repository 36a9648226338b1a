// Package bootstrap holds bootstrap tokens, as upstream's
// bootstrap.kubernetes.io/token Secrets: the token format
// ([a-z0-9]{6}.[a-z0-9]{16}, "<id>.<secret>"), the Secret that stores one
// in kube-system (bootstrap-token-<id>), and the bearer token
// authenticator that turns a valid token into the user
// system:bootstrap:<id> in group system:bootstrappers (plus the Secret's
// auth-extra-groups).
//
// `skiff server` keeps its cluster join token in <data-dir>/server/token
// and stores it as such a Secret; the default policy lets
// system:bootstrappers create and watch CertificateSigningRequests and
// nothing else, which is how an agent obtains its node certificate.
package bootstrap
