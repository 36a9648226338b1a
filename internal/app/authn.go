package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
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
}

// newAuthentication reads the token file and the service account key,
// creating the key on first start.
func newAuthentication(cfg ServerConfig) (*authentication, error) {
	a := &authentication{cfg: cfg}
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
	return a, nil
}

// handler puts the security filters in front of api, outermost first:
// authentication, impersonation, authorization, then the review APIs.
func (a *authentication) handler(api http.Handler, az *rbac.Authorizer, audit func(http.Handler) http.Handler) http.Handler {
	tokens := []auth.TokenAuthenticator{a.saTokens}
	if a.tokenFile != nil {
		tokens = append([]auth.TokenAuthenticator{a.tokenFile}, tokens...)
	}
	reviews := auth.SelfReviews(auth.Reviews(api, az), az, a.cfg.Now)
	// Audit sits right after authentication, as upstream: denied and
	// impersonated requests are audited with the real user.
	return auth.Authenticate(audit(auth.Impersonate(auth.Authorize(reviews, az), az)), tokens...)
}

// start lets service account tokens authenticate: it starts the
// informers their checks read and returns once they have synced; stop
// ends them.
func (a *authentication) start(ctx context.Context, loopback *rest.Config) (func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := informers.NewSharedInformerFactory(cs, 0)
	stop := func() {
		cancel()
		f.Shutdown()
	}
	g, err := serviceaccount.StartGetter(ctx, f, cs)
	if err != nil {
		stop()
		return nil, err
	}
	a.saTokens.SetGetter(g)
	return stop, nil
}
