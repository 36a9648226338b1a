package auth

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The result label values of upstream's authorization metrics
// (k8s.io/apiserver/pkg/endpoints/filters/metrics.go). Our authorizers,
// like upstream's Node and RBAC authorizers, allow or have no opinion;
// none denies outright, so a refused request counts as "no-opinion", as
// it does upstream.
const (
	resultAllowed   = "allowed"
	resultNoOpinion = "no-opinion"
)

// Metrics are upstream's authorization metrics, for the decisions of the
// Authorize filter: authorization_attempts_total and
// authorization_duration_seconds, each by result. They belong to no
// registry until the caller registers Collectors. Safe for concurrent use.
type Metrics struct {
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	now      func() time.Time
	// The series of each result, resolved once.
	allowed, noOpinion series
}

type series struct {
	attempts prometheus.Counter
	duration prometheus.Observer
}

// NewMetrics returns the metrics, timed by now (time.Now when nil).
func NewMetrics(now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authorization_attempts_total",
			Help: "Counter of authorization attempts broken down by result. It can be either 'allowed', 'denied', 'no-opinion' or 'error'.",
		}, []string{"result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "authorization_duration_seconds",
			Help:    "Authorization duration in seconds broken out by result.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"result"}),
		now: now,
	}
	m.allowed = series{m.attempts.WithLabelValues(resultAllowed), m.duration.WithLabelValues(resultAllowed)}
	m.noOpinion = series{m.attempts.WithLabelValues(resultNoOpinion), m.duration.WithLabelValues(resultNoOpinion)}
	return m
}

// Collectors are the metrics to register, e.g. with the API server's
// /metrics registry.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.attempts, m.duration}
}

// decide asks az about the request and records the decision and its
// duration.
func (m *Metrics) decide(az Authorizer, u User, a Attributes) (bool, string) {
	start := m.now()
	allowed, reason := az.Authorize(u, a)
	took := m.now().Sub(start).Seconds()
	s := m.noOpinion
	if allowed {
		s = m.allowed
	}
	s.attempts.Inc()
	s.duration.Observe(took)
	return allowed, reason
}
