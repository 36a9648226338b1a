package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apiserver"
	"github.com/skiff-dev/skiff/internal/apiserver/allocator"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
	"github.com/skiff-dev/skiff/internal/etcd"
	"github.com/skiff-dev/skiff/internal/inproc"
	"github.com/skiff-dev/skiff/internal/pki"
	"github.com/skiff-dev/skiff/internal/scheduler"
	"github.com/skiff-dev/skiff/internal/storage"
)

// handlerStacks is how many goroutines at most serve short API requests on
// stacks they keep (apiserver.GrownStacks, which starts them as needed):
// enough for the writes in flight while etcd syncs its log, at 64 or 128
// KiB of stack each while busy.
const handlerStacks = 256

// handlerStackIdle is how long such a goroutine waits for a request before
// it ends and gives its stack back: short enough that the stacks of a
// start-up's burst of requests are gone when the server sits idle.
const handlerStackIdle = time.Second

// serverStart is one run of StartServer: the parts its steps have built so
// far, and what to undo, newest first, when a later step fails or the
// server stops.
type serverStart struct {
	cfg    ServerConfig
	log    *slog.Logger
	cancel context.CancelFunc
	undo   []func()

	// Built by openStorage.
	ln        net.Listener
	lnServed  bool // the HTTPS server owns ln and closes it
	client    *clientv3.Client
	store     *storage.Store
	bundle    *pki.Bundle
	authn     *authentication
	serviceIP net.IP
	withAudit func(http.Handler) http.Handler

	// Built by buildAPI.
	services     *allocator.Services
	metricsAPI   *metricsAPI
	kubelets     *http.Client
	schedMetrics *scheduler.Metrics
	authorizer   *rbac.Authorizer
	handler      http.Handler
	bootstrapped atomic.Bool
}

// onStop registers f to run when the start is undone or the server stops.
func (s *serverStart) onStop(f func()) { s.undo = append(s.undo, f) }

// unwind undoes every step, the newest first.
func (s *serverStart) unwind() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
}

// run takes the steps in order; the first that fails ends it.
func (s *serverStart) run(ctx context.Context) error {
	if err := s.openStorage(ctx); err != nil {
		return err
	}
	if err := s.buildAPI(ctx); err != nil {
		return err
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.serve()
	if err := s.startComponents(ctx); err != nil {
		return err
	}
	s.bootstrapped.Store(true)
	// The OpenAPI documents are built on their first request, as
	// upstream's OpenAPIV2LazyBuild and OpenAPIV3LazyBuild do: until a
	// client asks for them, the server holds neither the documents nor
	// the pages of the code that builds them. Start-up itself leaves
	// garbage (etcd's and the informers' first reads); hand it back to the
	// OS now rather than when internal/idlemem next finds the server quiet.
	go debug.FreeOSMemory()
	return nil
}

// stepError names the start-up step that failed.
func stepError(step string, err error) error { return fmt.Errorf("%s: %w", step, err) }

// openStorage takes the API port, starts etcd (or connects to it) and the
// watch caches, and loads the certificates and the authenticators.
func (s *serverStart) openStorage(ctx context.Context) error {
	cfg := s.cfg
	transformer, err := encryptionTransformer(cfg.EncryptionProviderConfig)
	if err != nil {
		return stepError("encryption provider config", err)
	}
	withAudit, closeAudit, err := startAudit(cfg)
	if err != nil {
		return stepError("audit", err)
	}
	s.withAudit = withAudit
	s.onStop(closeAudit)
	// The API port is taken first: a busy port fails before etcd starts,
	// and etcd's own ephemeral loopback ports cannot land on it.
	s.ln, err = net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.HTTPSPort)))
	if err != nil {
		return stepError("listen", err)
	}
	s.onStop(func() {
		if !s.lnServed {
			_ = s.ln.Close()
		}
	})
	client, local, closeEtcd, err := openEtcd(ctx, cfg)
	if err != nil {
		return stepError("start etcd", err)
	}
	s.client = client
	s.onStop(closeEtcd)
	if len(cfg.EtcdServers) > 0 {
		if err := s.holdEtcd(ctx); err != nil {
			return stepError("external etcd", err)
		}
	}

	s.serviceIP = firstServiceIP(cfg.serviceNet)
	s.bundle, err = pki.Ensure(pki.Config{Dir: filepath.Join(cfg.DataDir, "server", "tls"), ServiceIP: s.serviceIP, Now: cfg.Now})
	if err != nil {
		return stepError("certificates", err)
	}
	if s.authn, err = newAuthentication(cfg); err != nil {
		return stepError("authentication", err)
	}

	store, err := storage.New(storage.Config{Client: client, Local: local, Scheme: scheme.Scheme, Logger: s.log, Transformer: transformer})
	if err != nil {
		return stepError("storage", err)
	}
	s.store = store
	storeDone := make(chan struct{})
	go func() {
		defer close(storeDone)
		if err := store.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("storage stopped", "err", err)
		}
	}()
	s.onStop(func() { s.cancel(); store.Close(); <-storeDone })
	return nil
}

// holdEtcd takes the external etcd for this server alone
// (holdServerLock) until the server stops.
func (s *serverStart) holdEtcd(ctx context.Context) error {
	id, err := serverID(s.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("server id: %w", err)
	}
	host, _ := os.Hostname()
	me := serverHolder{ID: id, Host: host, Address: net.JoinHostPort(s.cfg.advertise.String(), strconv.Itoa(s.cfg.HTTPSPort))}
	release, err := holdServerLock(ctx, s.client, me, s.log)
	if err != nil {
		return err
	}
	s.onStop(release)
	return nil
}

// buildAPI assembles the API handler: the resource table, the Service
// address allocators, OpenAPI, the resource metrics API, the client that
// reaches the kubelets, and authentication and authorization around it.
func (s *serverStart) buildAPI(ctx context.Context) error {
	cfg := s.cfg
	resources, err := apis.Table(scheme.Scheme)
	if err != nil {
		return stepError("resource table", err)
	}
	if s.services, err = newServiceAllocator(ctx, s.client, cfg); err != nil {
		return stepError("service allocators", err)
	}
	if s.metricsAPI, err = newMetricsAPI(cfg); err != nil {
		return stepError("metrics api", err)
	}
	// One client reaches the kubelets, for the resource metrics scrapes
	// and for pods/log.
	if s.kubelets, err = kubeletClient(s.bundle); err != nil {
		return stepError("kubelet client", err)
	}
	s.onStop(s.kubelets.CloseIdleConnections)
	// The scheduler's metrics are served with the API's on /metrics (one
	// process, one endpoint), when the scheduler runs.
	collectors := s.authn.authzMetrics.Collectors()
	if !cfg.DisableScheduler {
		s.schedMetrics = scheduler.NewMetrics()
		collectors = append(collectors, s.schedMetrics.Collectors()...)
	}
	api, err := apiserver.New(ctx, apiserver.Config{
		Resources:     resources,
		Store:         s.store,
		Scheme:        scheme.Scheme,
		TypeConverter: applyconfigurations.NewTypeConverter(scheme.Scheme),
		Services:      s.services,
		TokenIssuer:   s.authn.signer,
		Collectors:    collectors,
		OpenAPI:       newOpenAPI(resources),
		Computed:      s.metricsAPI.resources(),
		Kubelet:       s.kubelets,
		EventTTL:      cfg.EventTTL,
		Version:       Version,
		Checks: []apiserver.HealthCheck{
			{Name: "etcd", Check: etcdCheck(s.client)},
			{Name: "poststarthook/bootstrap", Check: func(context.Context) error {
				if !s.bootstrapped.Load() {
					return errors.New("not finished")
				}
				return nil
			}},
		},
		Profiling: cfg.Profiling,
		Now:       cfg.Now,
		Logger:    s.log,
	})
	if err != nil {
		return stepError("api server", err)
	}
	s.authorizer = rbac.NewAuthorizer()
	s.handler = apiserver.GrownStacks(ctx, s.authn.handler(api, s.authorizer, s.withAudit), handlerStacks, handlerStackIdle)
	return nil
}

// serve starts HTTPS on the port openStorage took.
func (s *serverStart) serve() {
	httpSrv := &http.Server{
		Handler: s.handler,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{s.bundle.ServingCert},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    s.bundle.ClientCA,
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	serveDone := make(chan struct{})
	s.lnServed = true
	go func() {
		defer close(serveDone)
		if err := httpSrv.ServeTLS(s.ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("https server stopped", "err", err)
		}
	}()
	s.onStop(func() {
		sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
		defer c()
		_ = httpSrv.Shutdown(sctx)
		_ = httpSrv.Close()
		<-serveDone
	})
}

// loopback is the in-process client configuration of the server's own
// components: system:apiserver in system:masters, served by the handler
// without the network.
func (s *serverStart) loopback() *rest.Config {
	return inproc.Config(s.handler, "system:apiserver", "system:masters")
}

// settle writes the objects every cluster starts with and repairs the
// Service allocations a crash left behind, through the in-process client
// and before the port serves anyone. The repair releases every ClusterIP
// and NodePort no stored Service holds; were clients served already, a
// Service being created (its values allocated, the Service not yet
// written) would lose its values to the repair, and the next Service would
// get them too.
func (s *serverStart) settle(ctx context.Context) error {
	loopback := s.loopback()
	if err := bootstrap(ctx, loopback, s.serviceIP, s.cfg.advertise, s.cfg.HTTPSPort); err != nil {
		return stepError("bootstrap", err)
	}
	if err := repairAllocations(ctx, loopback, s.services); err != nil {
		return stepError("repair service allocations", err)
	}
	return nil
}

// startComponents starts what runs in the server's process, each through
// the in-process client: the shared informers, authorization, service
// accounts, authentication's token and bootstrap readers, the
// controllers, the resource metrics scrapes and the scheduler.
func (s *serverStart) startComponents(ctx context.Context) error {
	cfg, log := s.cfg, s.log
	loopback := s.loopback()
	shared, stopShared, err := newProcessInformers(ctx, loopback)
	if err != nil {
		return stepError("informers", err)
	}
	s.onStop(stopShared) // undone in reverse: after every reader below
	var controllers []runnable
	if !cfg.DisableControllerManager {
		// Built before anything starts the shared informers (see
		// newControllers), run once authentication is up.
		if controllers, err = newControllers(loopback, shared, cfg, log); err != nil {
			return stepError("controllers", err)
		}
	}
	stopAuthz, err := startAuthorization(ctx, loopback, s.authorizer, log)
	if err != nil {
		return stepError("authorization", err)
	}
	s.onStop(stopAuthz)
	stopAccounts, err := startServiceAccounts(ctx, loopback, shared, s.bundle.CACertPEM, log)
	if err != nil {
		return stepError("service accounts", err)
	}
	s.onStop(stopAccounts)
	stopAuthn, err := s.authn.start(ctx, loopback, shared)
	if err != nil {
		return stepError("authentication", err)
	}
	s.onStop(stopAuthn)
	if !cfg.DisableControllerManager {
		s.onStop(runControllers(ctx, shared, controllers, log))
		stopCSR, err := startCertificateControllers(ctx, loopback, s.bundle, log)
		if err != nil {
			return stepError("certificate controllers", err)
		}
		s.onStop(stopCSR)
	}
	stopMetrics, err := s.metricsAPI.start(ctx, shared, s.kubelets, log)
	if err != nil {
		return stepError("metrics api", err)
	}
	s.onStop(stopMetrics)
	if !cfg.DisableScheduler {
		stopScheduler, err := startScheduler(ctx, loopback, shared, cfg.SchedulerConfig, s.schedMetrics, log)
		if err != nil {
			return stepError("scheduler", err)
		}
		s.onStop(stopScheduler)
	}
	return nil
}

// openEtcd connects to the external cluster or starts the embedded member;
// only the embedded member offers in-process consistent reads (local).
func openEtcd(ctx context.Context, cfg ServerConfig) (client *clientv3.Client, local storage.LocalReader, stop func(), err error) {
	if len(cfg.EtcdServers) > 0 {
		tc, err := cfg.etcdTLS()
		if err != nil {
			return nil, nil, nil, err
		}
		c, err := etcd.Connect(ctx, cfg.EtcdServers, tc)
		if err != nil {
			if tc == nil && slices.ContainsFunc(cfg.EtcdServers, func(e string) bool { return strings.HasPrefix(e, "https://") }) {
				err = fmt.Errorf("%w (an https endpoint whose CA the system does not trust needs --etcd-cafile, and one that wants client certificates --etcd-certfile and --etcd-keyfile)", err)
			}
			return nil, nil, nil, err
		}
		return c, nil, func() { _ = c.Close() }, nil
	}
	e, err := etcd.Start(ctx, etcd.Config{DataDir: filepath.Join(cfg.DataDir, "server", "db", "etcd"), Logger: cfg.Logger})
	if err != nil {
		return nil, nil, nil, err
	}
	return e.Client(), e, e.Close, nil
}

func etcdCheck(client *clientv3.Client) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := client.Get(ctx, "health", clientv3.WithCountOnly())
		return err
	}
}
