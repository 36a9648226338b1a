package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	corelisters "k8s.io/client-go/listers/core/v1"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
	bootstraptoken "github.com/skiff-dev/skiff/internal/apiserver/auth/bootstrap"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/node"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/serviceaccount"
)

// authentication is how the server knows who a request is, beyond client
// certificates: the --token-auth-file users and service account tokens,
// signed with the key in <data-dir>/server/tls/service-account.key.
type authentication struct {
	cfg       ServerConfig
	tokenFile *auth.TokenFile
	signer    *serviceaccount.Signer
	saTokens  *serviceaccount.Authenticator
	// joinToken is the cluster join token (a bootstrap token), stored in
	// <data-dir>/server/token and as a kube-system Secret by start.
	joinToken string
	bootstrap *bootstraptoken.Authenticator
	secrets   lateSecrets
	// nodes is the node authorizer once start has synced its pods; until
	// then nodes are denied.
	nodes lateNodeAuthorizer
	// authzMetrics are upstream's authorization metrics of the
	// Authorize filter, served on /metrics.
	authzMetrics *auth.Metrics
}

// newAuthentication reads the token file and the service account key,
// creating the key on first start.
func newAuthentication(cfg ServerConfig) (*authentication, error) {
	a := &authentication{cfg: cfg, authzMetrics: auth.NewMetrics(cfg.Now)}
	if cfg.TokenAuthFile != "" {
		tf, err := auth.LoadTokenFile(cfg.TokenAuthFile)
		if err != nil {
			return nil, fmt.Errorf("--token-auth-file: %w", err)
		}
		a.tokenFile = tf
	}
	key, err := serviceaccount.LoadOrCreateKey(filepath.Join(cfg.DataDir, "server", "tls", "service-account.key"))
	if err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	if a.signer, err = serviceaccount.NewSigner(key, cfg.Now); err != nil {
		return nil, err
	}
	a.saTokens = serviceaccount.NewAuthenticator(&key.PublicKey, cfg.Now)
	if a.joinToken, err = loadJoinToken(cfg); err != nil {
		return nil, err
	}
	a.bootstrap = bootstraptoken.NewAuthenticator(&a.secrets, cfg.Now)
	return a, nil
}

// handler puts the security filters in front of api, outermost first:
// authentication, impersonation, authorization (the node authorizer, then
// RBAC, as upstream's --authorization-mode=Node,RBAC), then the review
// APIs. Requests carry the RBAC authorizer for the escalation check of
// admission.
func (a *authentication) handler(api http.Handler, az *rbac.Authorizer, audit func(http.Handler) http.Handler) http.Handler {
	tokens := []auth.TokenAuthenticator{a.saTokens, a.bootstrap}
	if a.tokenFile != nil {
		tokens = append([]auth.TokenAuthenticator{a.tokenFile}, tokens...)
	}
	chain := auth.Union{&a.nodes, az}
	reviews := auth.SelfReviews(auth.Reviews(api, chain), az, a.cfg.Now)
	// Audit sits right after authentication, as upstream: denied and
	// impersonated requests are audited with the real user.
	// Requests authentication refuses are audited too (the 401 answer
	// goes through the audit middleware, which sees no user).
	return auth.AuthenticateWith(audit(auth.Impersonate(auth.AuthorizeWithMetrics(reviews, chain, a.authzMetrics), chain)), audit, tokens...)
}

// start lets service account tokens authenticate: it starts the
// informers their checks read and returns once they have synced; stop
// ends them.
func (a *authentication) start(ctx context.Context, loopback *rest.Config, f informers.SharedInformerFactory) (func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := func() {
		cancel()
		f.Shutdown()
	}
	nodes, err := node.Start(ctx, f)
	if err != nil {
		stop()
		return nil, err
	}
	a.nodes.p.Store(nodes)
	g, err := serviceaccount.StartGetter(ctx, f, cs)
	if err != nil {
		stop()
		return nil, err
	}
	a.saTokens.SetGetter(g)
	a.secrets.set(f.Core().V1().Secrets().Lister().Secrets(bootstraptoken.Namespace))
	if err := ensureJoinTokenSecret(ctx, cs, a.joinToken); err != nil {
		stop()
		return nil, fmt.Errorf("join token: %w", err)
	}
	return stop, nil
}

// lateNodeAuthorizer is the node authorizer once it has started; before,
// it has no opinion on anyone.
type lateNodeAuthorizer struct {
	p atomic.Pointer[node.Authorizer]
}

func (l *lateNodeAuthorizer) Authorize(u auth.User, attrs auth.Attributes) (bool, string) {
	if az := l.p.Load(); az != nil {
		return az.Authorize(u, attrs)
	}
	if _, isNode := node.NameOf(u); isNode {
		return false, "node authorizer is not ready"
	}
	return false, ""
}

// lateSecrets reads kube-system Secrets once start has synced them;
// before, every Secret is missing.
type lateSecrets struct {
	p atomic.Pointer[corelisters.SecretNamespaceLister]
}

func (l *lateSecrets) set(s corelisters.SecretNamespaceLister) { l.p.Store(&s) }

func (l *lateSecrets) Get(name string) (*corev1.Secret, error) {
	if s := l.p.Load(); s != nil {
		return (*s).Get(name)
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
}
