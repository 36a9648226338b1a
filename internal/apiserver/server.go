package apiserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apiserver/admission"
	"github.com/skiff-dev/skiff/internal/apiserver/audit"
	"github.com/skiff-dev/skiff/internal/storage"
)

// maxBodyBytes is upstream's limit on a request body (3 MiB); larger
// bodies get 413.
const maxBodyBytes = 3 * 1024 * 1024

// Config is what the API server needs. Every field but Now and Logger is
// required.
type Config struct {
	Resources []*apis.Resource
	Store     *storage.Store
	Scheme    *runtime.Scheme
	// TypeConverter knows the structured-merge-diff schema of every kind,
	// for managed fields and server-side apply.
	TypeConverter managedfields.TypeConverter
	// Services allocates ClusterIPs and NodePorts; nil disables allocation.
	Services ServiceAllocator
	// OpenAPI serves /openapi/v2 and /openapi/v3; nil answers 404.
	OpenAPI OpenAPISource
	// Version is reported on /version.
	Version VersionInfo
	// TokenIssuer signs serviceaccounts/token; nil leaves it unserved.
	TokenIssuer TokenIssuer
	// Checks are extra readiness checks listed on /readyz.
	Checks []HealthCheck
	// Profiling serves Go's profiles on /debug/pprof/ (upstream's
	// --profiling); RBAC guards it like any non-resource URL.
	Profiling bool
	// Collectors are further metrics served on /metrics (the authorization
	// metrics of the filters in front of the API).
	Collectors []prometheus.Collector
	// Computed are resources served from a source instead of storage
	// (metrics.k8s.io); they appear in discovery like the others.
	Computed []ComputedResource
	// Kubelet is the client that reaches the kubelets' API (pods/log),
	// carrying the server's kubelet client certificate; nil answers
	// pods/log of a bound pod with 503.
	Kubelet *http.Client
	// EventTTL is how long an event lives after its last write (upstream's
	// --event-ttl); 0 keeps events until they are deleted.
	EventTTL time.Duration
	// RequestTimeout bounds a request that is not long-running (upstream's
	// --request-timeout; 0 takes its default, one minute). A client may ask
	// for less with the timeout query parameter.
	RequestTimeout time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
}

func (c *Config) validate() error {
	if len(c.Resources) == 0 {
		return fmt.Errorf("apiserver: no resources")
	}
	if c.Store == nil || c.Scheme == nil || c.TypeConverter == nil {
		return fmt.Errorf("apiserver: store, scheme and type converter are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.TypeConverter = newTypedGoConverter(c.TypeConverter, c.Scheme)
	return nil
}

// Server serves the Kubernetes REST API. It is safe for concurrent use.
type Server struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	codecs    serializer.CodecFactory
	endpoints map[schema.GroupVersionResource]*endpoint
	computed  map[schema.GroupVersionResource]computedEndpoint
	// byKind finds the endpoint of a kind, for owner lookups and apply.
	byKind    map[schema.GroupVersionKind]*endpoint
	discovery *discoveryDocs
	metrics   *metrics
	mux       *http.ServeMux
	admission *admission.Chain
	// health remembers which health checks are failing, to log changes.
	health healthLog
	// stopped ends when the server's context does: the streams of
	// pods/exec and the like, which outlive their handler's request once
	// the connections are joined, end with it.
	stopped context.Context
}

// New builds the server: it opens the storage of every resource (priming
// their watch caches) and the field managers.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		now:       cfg.Now,
		codecs:    serializer.NewCodecFactory(cfg.Scheme, serializer.EnableStrict),
		endpoints: map[schema.GroupVersionResource]*endpoint{},
		byKind:    map[schema.GroupVersionKind]*endpoint{},
		metrics:   newMetrics(cfg.Collectors...),
		stopped:   ctx,
	}
	for _, res := range cfg.Resources {
		ep, err := s.newEndpoint(ctx, res)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", res.GVR, err)
		}
		s.endpoints[res.GVR] = ep
		s.byKind[res.GroupVersionKind()] = ep
	}
	if err := s.initAdmission(); err != nil {
		return nil, err
	}
	discovered := cfg.Resources
	s.computed = map[schema.GroupVersionResource]computedEndpoint{}
	for _, c := range cfg.Computed {
		if c.Resource == nil || c.Source == nil {
			return nil, fmt.Errorf("apiserver: computed resource without description or source")
		}
		s.computed[c.Resource.GVR] = computedEndpoint{ep: &endpoint{res: c.Resource, gvk: c.Resource.GroupVersionKind()}, src: c.Source}
		discovered = append(discovered[:len(discovered):len(discovered)], c.Resource)
	}
	s.discovery = buildDiscovery(discovered)
	s.metrics.registerStorage(s.endpoints)
	s.mux = s.routes()
	return s, nil
}

// Endpoint returns the storage of a served resource, for in-process
// bootstrapping (default namespaces, the kubernetes Service).
func (s *Server) endpointFor(gvr schema.GroupVersionResource) *endpoint { return s.endpoints[gvr] }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/api", s.serveDiscoveryOrResource)
	mux.HandleFunc("/api/", s.serveDiscoveryOrResource)
	mux.HandleFunc("/apis", s.serveDiscoveryOrResource)
	mux.HandleFunc("/apis/", s.serveDiscoveryOrResource)
	mux.HandleFunc("/version", s.serveVersion)
	mux.HandleFunc("/version/", s.serveVersion)
	mux.HandleFunc("/healthz", s.serveHealth("healthz"))
	mux.HandleFunc("/healthz/", s.serveHealth("healthz"))
	mux.HandleFunc("/livez", s.serveHealth("livez"))
	mux.HandleFunc("/livez/", s.serveHealth("livez"))
	mux.HandleFunc("/readyz", s.serveHealth("readyz"))
	mux.HandleFunc("/readyz/", s.serveHealth("readyz"))
	mux.Handle("/metrics", s.metrics.handler())
	mux.HandleFunc("/openapi/", s.serveOpenAPI)
	if s.cfg.Profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
	})
	return mux
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) serveDiscoveryOrResource(w http.ResponseWriter, r *http.Request) {
	info, ok := parseRequestInfo(r)
	if !ok || !info.IsResource {
		s.serveDiscovery(w, r, info, ok)
		return
	}
	start := s.now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	s.serveResource(rec, r, info)
	s.metrics.observe(info, rec.code, s.now().Sub(start))
}

// serveResource dispatches a resource request to its verb handler.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info requestInfo) {
	gvr := schema.GroupVersionResource{Group: info.Group, Version: info.Version, Resource: info.Resource}
	ep, ok := s.endpoints[gvr]
	computed, isComputed := s.computed[gvr]
	if isComputed {
		ep, ok = computed.ep, true
	}
	if !ok {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	if info.Subresource != "" && !ep.res.HasSubresource(info.Subresource) {
		if info.Subresource == "proxy" && unservedProxies[info.Resource] && info.Group == "" {
			s.writeError(w, r, errProxyNotServed(info.Resource))
			return
		}
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	if len(info.Parts) > 3 && info.Subresource != "proxy" {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	if !ep.res.Namespaced && info.Namespace != "" && info.Resource != "namespaces" {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	if info.Resource == "namespaces" {
		// The namespace object's own name travels as the namespace segment.
		info.Namespace = ""
	}
	if ep.res.Namespaced && info.Namespace == "" && info.Verb != "list" && info.Verb != "watch" {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	if info.Verb == "create" && info.Name != "" && info.Subresource == "" {
		// POST names a collection, never an object, as upstream's routes.
		s.writeError(w, r, errMethodNotSupported(gvr.GroupResource().String(), info.Verb))
		return
	}
	if !ep.allows(info) {
		s.writeError(w, r, errMethodNotSupported(gvr.GroupResource().String(), info.Verb))
		return
	}
	if d := ep.deprecated; d.warning != "" {
		addWarnings(w, []string{d.warning})
		s.metrics.deprecated.WithLabelValues(info.Group, info.Version, info.Resource, info.Subresource, d.removedRelease).Set(1)
		audit.AddAnnotation(r.Context(), "k8s.io/deprecated", "true")
		if d.removedRelease != "" {
			audit.AddAnnotation(r.Context(), "k8s.io/removed-release", d.removedRelease)
		}
	}
	ctx := withWarnings(r.Context(), w)
	if !longRunningRequest(info) {
		deadlined, cancel, err := s.withDeadline(ctx, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		defer cancel()
		ctx = deadlined
	}
	err := s.dispatch(ctx, w, r, ep, computed, info)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = errTimedOut
		}
		s.writeError(w, r, err)
	}
}

// dispatch runs the handler of info's verb and subresource on ep; a
// computed resource (computed.src set) is served from its source.
func (s *Server) dispatch(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, computed computedEndpoint, info requestInfo) error {
	switch {
	case computed.src != nil:
		return s.handleComputed(ctx, w, r, ep, computed.src, info)
	case info.Subresource == "proxy":
		return s.handleNodeProxy(ctx, w, r, info)
	case isStreamSubresource(info.Subresource):
		return s.handlePodStream(ctx, w, r, ep, info)
	case info.Verb == "get":
		return s.handleGet(ctx, w, r, ep, info)
	case info.Verb == "list":
		return s.handleList(ctx, w, r, ep, info)
	case info.Verb == "watch":
		return s.handleWatch(ctx, w, r, ep, info)
	case info.Verb == "create":
		return s.handleCreate(ctx, w, r, ep, info)
	case info.Verb == "update":
		return s.handleUpdate(ctx, w, r, ep, info)
	case info.Verb == "patch":
		return s.handlePatch(ctx, w, r, ep, info)
	case info.Verb == "delete":
		return s.handleDelete(ctx, w, r, ep, info)
	case info.Verb == "deletecollection":
		return s.handleDeleteCollection(ctx, w, r, ep, info)
	default:
		return errMethodNotSupported(schema.GroupResource{Group: info.Group, Resource: info.Resource}.String(), r.Method)
	}
}

func grOf(resource string) schema.GroupResource {
	if i := strings.Index(resource, "."); i >= 0 {
		return schema.GroupResource{Resource: resource[:i], Group: resource[i+1:]}
	}
	return schema.GroupResource{Resource: resource}
}

// statusRecorder remembers the status code written, for metrics.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets watch responses stream through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over for a switch of protocols (pods/exec
// and the other streams), recorded as a 101 once it is handed over.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.code = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the writer underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
