package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apiserver"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
	"github.com/skiff-dev/skiff/internal/etcd"
	"github.com/skiff-dev/skiff/internal/idlemem"
	"github.com/skiff-dev/skiff/internal/inproc"
	"github.com/skiff-dev/skiff/internal/pki"
	"github.com/skiff-dev/skiff/internal/scheduler"
	"github.com/skiff-dev/skiff/internal/storage"
)

// Version is the Kubernetes version Skiff reports.
var Version = apiserver.VersionInfo{Major: "1", Minor: "33", GitVersion: "v1.33.0+skiff", GitTreeState: "clean"}

// Server is a running `skiff server`.
type Server struct {
	// Kubeconfig is the path of the admin kubeconfig.
	Kubeconfig string
	// URL is the HTTPS address of the API.
	URL string
	// Handler serves the API in-process (authentication included).
	Handler http.Handler

	stop func()
	done chan error
	// pack packs the watch caches (storage.Store.Pack).
	pack func() int
}

// Loopback returns a client-go config that reaches the API in-process as
// the server's own identity (system:masters).
func (s *Server) Loopback() *rest.Config {
	return inproc.Config(s.Handler, "system:apiserver", "system:masters")
}

// Stop ends the server and waits for it; it is idempotent.
func (s *Server) Stop() error {
	s.stop()
	return <-s.done
}

// Wait blocks until the server ends.
func (s *Server) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}

// RunServer runs the server until ctx ends.
func RunServer(ctx context.Context, cfg ServerConfig) error {
	srv, err := StartServer(ctx, cfg)
	if err != nil {
		return err
	}
	releaseExecutable(cfg.Logger)
	go idlemem.Run(ctx, idlemem.Config{Log: cfg.Logger, Compact: func() { srv.pack() }})
	go idlemem.RunGCTarget(ctx, idlemem.TargetConfig{})
	<-ctx.Done()
	return srv.Stop()
}

// releaseExecutable unmaps the binary's pages that starting the process
// mapped (idlemem.ReleaseExecutable); the pages the process goes on to use
// come back as it touches them. A long-running process (server, agent)
// calls it once it has started.
func releaseExecutable(log *slog.Logger) {
	r, err := idlemem.ReleaseExecutable()
	if log == nil {
		return
	}
	if err != nil {
		log.Debug("could not release the executable's start-up pages", "err", err)
		return
	}
	log.Debug("released the executable's start-up pages", "mapped_bytes", r.Mapped,
		"resident_bytes_before", r.ResidentBefore, "resident_bytes_after", r.ResidentAfter)
}

// handlerStacks is how many goroutines at most serve short API requests on
// stacks they keep (apiserver.GrownStacks, which starts them as needed):
// enough for the writes in flight while etcd syncs its log, at 64 or 128
// KiB of stack each while busy.
const handlerStacks = 256

// handlerStackIdle is how long such a goroutine waits for a request before
// it ends and gives its stack back: short enough that the stacks of a
// start-up's burst of requests are gone when the server sits idle.
const handlerStackIdle = time.Second

// StartServer starts every part of the server and returns once it serves.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	cleanups := []func(){cancel}
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(step string, err error) (*Server, error) {
		cleanup()
		return nil, fmt.Errorf("%s: %w", step, err)
	}

	transformer, err := encryptionTransformer(cfg.EncryptionProviderConfig)
	if err != nil {
		return fail("encryption provider config", err)
	}
	withAudit, closeAudit, err := startAudit(cfg)
	if err != nil {
		return fail("audit", err)
	}
	cleanups = append(cleanups, closeAudit)
	// The API port is taken first: a busy port fails before etcd starts,
	// and etcd's own ephemeral loopback ports cannot land on it.
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.HTTPSPort)))
	if err != nil {
		return fail("listen", err)
	}
	lnOwned := true
	cleanups = append(cleanups, func() {
		if lnOwned {
			_ = ln.Close()
		}
	})
	client, local, closeEtcd, err := openEtcd(ctx, cfg)
	if err != nil {
		return fail("start etcd", err)
	}
	cleanups = append(cleanups, closeEtcd)

	serviceIP := firstServiceIP(cfg.serviceNet)
	bundle, err := pki.Ensure(pki.Config{Dir: filepath.Join(cfg.DataDir, "server", "tls"), ServiceIP: serviceIP, Now: cfg.Now})
	if err != nil {
		return fail("certificates", err)
	}
	authn, err := newAuthentication(cfg)
	if err != nil {
		return fail("authentication", err)
	}

	store, err := storage.New(storage.Config{Client: client, Local: local, Scheme: scheme.Scheme, Logger: log, Transformer: transformer})
	if err != nil {
		return fail("storage", err)
	}
	storeDone := make(chan struct{})
	go func() {
		defer close(storeDone)
		if err := store.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("storage stopped", "err", err)
		}
	}()
	cleanups = append(cleanups, func() { cancel(); store.Close(); <-storeDone })

	resources, err := apis.Table(scheme.Scheme)
	if err != nil {
		return fail("resource table", err)
	}
	services, err := newServiceAllocator(ctx, client, cfg)
	if err != nil {
		return fail("service allocators", err)
	}
	openAPI := newOpenAPI(resources)
	metricsAPI, err := newMetricsAPI(cfg)
	if err != nil {
		return fail("metrics api", err)
	}
	// One client reaches the kubelets, for the resource metrics scrapes
	// and for pods/log.
	kubelets, err := kubeletClient(bundle)
	if err != nil {
		return fail("kubelet client", err)
	}
	cleanups = append(cleanups, kubelets.CloseIdleConnections)
	// The scheduler's metrics are served with the API's on /metrics (one
	// process, one endpoint), when the scheduler runs.
	collectors := authn.authzMetrics.Collectors()
	var schedMetrics *scheduler.Metrics
	if !cfg.DisableScheduler {
		schedMetrics = scheduler.NewMetrics()
		collectors = append(collectors, schedMetrics.Collectors()...)
	}
	var bootstrapped atomic.Bool
	api, err := apiserver.New(ctx, apiserver.Config{
		Resources:     resources,
		Store:         store,
		Scheme:        scheme.Scheme,
		TypeConverter: applyconfigurations.NewTypeConverter(scheme.Scheme),
		Services:      services,
		TokenIssuer:   authn.signer,
		Collectors:    collectors,
		OpenAPI:       openAPI,
		Computed:      metricsAPI.resources(),
		Kubelet:       kubelets,
		EventTTL:      cfg.EventTTL,
		Version:       Version,
		Checks: []apiserver.HealthCheck{
			{Name: "etcd", Check: etcdCheck(client)},
			{Name: "poststarthook/bootstrap", Check: func(context.Context) error {
				if !bootstrapped.Load() {
					return errors.New("not finished")
				}
				return nil
			}},
		},
		Profiling: cfg.Profiling,
		Now:       cfg.Now,
		Logger:    log,
	})
	if err != nil {
		return fail("api server", err)
	}
	authorizer := rbac.NewAuthorizer()
	handler := apiserver.GrownStacks(ctx, authn.handler(api, authorizer, withAudit), handlerStacks, handlerStackIdle)

	httpSrv := &http.Server{
		Handler: handler,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{bundle.ServingCert},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    bundle.ClientCA,
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	serveDone := make(chan struct{})
	lnOwned = false // the HTTP server closes it from here on
	go func() {
		defer close(serveDone)
		if err := httpSrv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("https server stopped", "err", err)
		}
	}()
	cleanups = append(cleanups, func() {
		sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
		defer c()
		_ = httpSrv.Shutdown(sctx)
		_ = httpSrv.Close()
		<-serveDone
	})

	loopback := inproc.Config(handler, "system:apiserver", "system:masters")
	if err := bootstrap(ctx, loopback, serviceIP, cfg.advertise, cfg.HTTPSPort); err != nil {
		return fail("bootstrap", err)
	}
	if err := repairAllocations(ctx, loopback, services); err != nil {
		return fail("repair service allocations", err)
	}
	shared, stopShared, err := newProcessInformers(ctx, loopback)
	if err != nil {
		return fail("informers", err)
	}
	cleanups = append(cleanups, stopShared) // cleanups run in reverse: after every reader below
	var controllers []runnable
	if !cfg.DisableControllerManager {
		// Built before anything starts the shared informers (see
		// newControllers), run once authentication is up.
		if controllers, err = newControllers(loopback, shared, cfg, log); err != nil {
			return fail("controllers", err)
		}
	}
	stopAuthz, err := startAuthorization(ctx, loopback, authorizer, log)
	if err != nil {
		return fail("authorization", err)
	}
	cleanups = append(cleanups, stopAuthz)
	stopAccounts, err := startServiceAccounts(ctx, loopback, shared, bundle.CACertPEM, log)
	if err != nil {
		return fail("service accounts", err)
	}
	cleanups = append(cleanups, stopAccounts)
	stopAuthn, err := authn.start(ctx, loopback, shared)
	if err != nil {
		return fail("authentication", err)
	}
	cleanups = append(cleanups, stopAuthn)
	if !cfg.DisableControllerManager {
		cleanups = append(cleanups, runControllers(ctx, shared, controllers, log))
		stopCSR, err := startCertificateControllers(ctx, loopback, bundle, log)
		if err != nil {
			return fail("certificate controllers", err)
		}
		cleanups = append(cleanups, stopCSR)
	}
	stopMetrics, err := metricsAPI.start(ctx, shared, kubelets, log)
	if err != nil {
		return fail("metrics api", err)
	}
	cleanups = append(cleanups, stopMetrics)
	if !cfg.DisableScheduler {
		stopScheduler, err := startScheduler(ctx, loopback, shared, cfg.SchedulerConfig, schedMetrics, log)
		if err != nil {
			return fail("scheduler", err)
		}
		cleanups = append(cleanups, stopScheduler)
	}
	bootstrapped.Store(true)
	// The OpenAPI documents are built on their first request, as
	// upstream's OpenAPIV2LazyBuild and OpenAPIV3LazyBuild do: until a
	// client asks for them, the server holds neither the documents nor
	// the pages of the code that builds them. Start-up itself leaves
	// garbage (etcd's and the informers' first reads); hand it back to the
	// OS now rather than when internal/idlemem next finds the server quiet.
	go debug.FreeOSMemory()

	url := "https://" + net.JoinHostPort(kubeconfigHost(cfg.BindAddress), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if err := pki.WriteKubeconfig(cfg.WriteKubeconfig, url, bundle); err != nil {
		return fail("write kubeconfig", err)
	}
	log.Info("skiff server ready", "url", url, "kubeconfig", cfg.WriteKubeconfig, "took", time.Since(start).Round(time.Millisecond))
	if cfg.Ready != nil {
		close(cfg.Ready)
	}
	srv := &Server{Kubeconfig: cfg.WriteKubeconfig, URL: url, Handler: handler, done: make(chan error, 1), pack: store.Pack}
	var stopped atomic.Bool
	srv.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cleanup()
		srv.done <- nil
	}
	go func() {
		<-ctx.Done()
		srv.stop()
	}()
	return srv, nil
}

// kubeconfigHost is the host the admin kubeconfig names: loopback when the
// server listens everywhere.
func kubeconfigHost(bind string) string {
	ip := net.ParseIP(bind)
	if ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return bind
}

// openEtcd connects to the external cluster or starts the embedded member;
// only the embedded member offers in-process consistent reads (local).
func openEtcd(ctx context.Context, cfg ServerConfig) (client *clientv3.Client, local storage.LocalReader, stop func(), err error) {
	if len(cfg.EtcdServers) > 0 {
		c, err := etcd.Connect(ctx, cfg.EtcdServers, nil)
		if err != nil {
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
