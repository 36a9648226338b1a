package apiserver

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/storage"
)

// metrics are the server's Prometheus metrics, with upstream's names and
// labels. Each Server has its own registry: nothing is global.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	watchers prometheus.Gauge
	// deprecated is apiserver_requested_deprecated_apis.
	deprecated *prometheus.GaugeVec
	// series caches the request metrics' series by key (seriesFor).
	mu     sync.RWMutex
	series map[requestKey]requestSeries
}

func newMetrics(extra ...prometheus.Collector) *metrics {
	m := &metrics{registry: prometheus.NewRegistry(), series: map[requestKey]requestSeries{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "apiserver_request_total",
		Help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
	}, []string{"verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "apiserver_request_duration_seconds",
		Help:    "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
		Buckets: []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60},
	}, []string{"verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"})
	m.watchers = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "apiserver_longrunning_requests",
		Help: "Gauge of all active long-running apiserver requests (watches).",
	})
	m.deprecated = newDeprecatedGauge()
	m.registry.MustRegister(m.requests, m.duration, m.watchers, m.deprecated,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(extra...)
	return m
}

// registerStorage exports apiserver_storage_objects per resource, and
// upstream's watch cache series for each resource served from a cache:
// comparing its resource_version with the newest write shows how far the
// cache (and so every watch) lags behind etcd.
func (m *metrics) registerStorage(eps map[schema.GroupVersionResource]*endpoint) {
	seen := map[string]bool{}
	for gvr, ep := range eps {
		name := gvr.GroupResource().String()
		if seen[name] {
			continue
		}
		seen[name] = true
		store := ep.store
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "apiserver_storage_objects",
			Help:        "Number of stored objects at the time of last check split by kind.",
			ConstLabels: prometheus.Labels{"resource": name},
		}, func() float64 { return float64(store.Count()) }))
		if _, cached := store.CacheStats(); cached {
			m.registerWatchCache(name, store)
		}
	}
}

// registerWatchCache exports upstream's apiserver_watch_cache_* series of
// one resource's cache, labelled by resource as upstream 1.33 labels them
// ("pods", "deployments.apps"; 1.34 split the label into group and resource).
func (m *metrics) registerWatchCache(resource string, store objectStore) {
	labels := prometheus.Labels{"resource": resource}
	for _, series := range []struct {
		name, help string
		counter    bool
		value      func(storage.CacheStats) float64
	}{
		{"apiserver_watch_cache_events_received_total", "Counter of events received in watch cache broken by resource type.", true,
			func(s storage.CacheStats) float64 { return float64(s.Received) }},
		{"apiserver_watch_cache_events_dispatched_total", "Counter of events dispatched in watch cache broken by resource type.", true,
			func(s storage.CacheStats) float64 { return float64(s.Dispatched) }},
		{"apiserver_terminated_watchers_total", "Counter of watchers closed due to unresponsiveness broken by resource type.", true,
			func(s storage.CacheStats) float64 { return float64(s.Terminated) }},
		{"apiserver_watch_cache_resource_version", "Current resource version of watch cache broken by resource type.", false,
			func(s storage.CacheStats) float64 { return float64(s.Revision) }},
	} {
		read := func() float64 {
			s, _ := store.CacheStats()
			return series.value(s)
		}
		if series.counter {
			m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: series.name, Help: series.help, ConstLabels: labels}, read))
		} else {
			m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: series.name, Help: series.help, ConstLabels: labels}, read))
		}
	}
}

// requestKey names one series of the request metrics; verb is the
// request's (get, deletecollection, ...), not yet upstream's label.
type requestKey struct {
	verb, group, version, resource, subresource, scope string
	code                                               int
}

// requestSeries are the metrics of one requestKey, resolved once: the
// vectors' lookup by label values hashes and checks every value and
// allocates the label slices, on every request.
type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer // nil for watches, which are not timed
}

func (m *metrics) observe(info requestInfo, code int, took time.Duration) {
	scope := "cluster"
	switch {
	case info.Name != "":
		scope = "resource"
	case info.Namespace != "":
		scope = "namespace"
	}
	s := m.seriesFor(requestKey{verb: info.Verb, group: info.Group, version: info.Version, resource: info.Resource,
		subresource: info.Subresource, scope: scope, code: code})
	s.count.Inc()
	if s.duration != nil {
		s.duration.Observe(took.Seconds())
	}
}

// seriesFor returns key's metrics, resolving them the first time.
func (m *metrics) seriesFor(key requestKey) requestSeries {
	m.mu.RLock()
	s, ok := m.series[key]
	m.mu.RUnlock()
	if ok {
		return s
	}
	labels := []string{metricVerb(key.verb), "", key.group, key.version, key.resource, key.subresource, key.scope, "apiserver"}
	s.count = m.requests.WithLabelValues(append(labels, strconv.Itoa(key.code))...)
	if key.verb != "watch" {
		s.duration = m.duration.WithLabelValues(labels...)
	}
	m.mu.Lock()
	m.series[key] = s
	m.mu.Unlock()
	return s
}

// metricVerb is upstream's verb label for a request verb: the HTTP method
// for writes, the upper-cased verb otherwise (GET, LIST, WATCH, PATCH).
func metricVerb(verb string) string {
	switch verb {
	case "create":
		return "POST"
	case "update":
		return "PUT"
	case "delete", "deletecollection":
		return "DELETE"
	}
	return strings.ToUpper(verb)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
