package scheduler

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Metrics are the scheduler's stable Prometheus metrics, with upstream
// kube-scheduler's names, help, labels and buckets. One Metrics outlives
// the Schedulers of successive leader terms (Config.Metrics): the server
// registers Collectors once, and scheduler_pending_pods reads the queue of
// whichever Scheduler runs (none: every queue reads 0). A nil *Metrics
// records nothing.
type Metrics struct {
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	podAttempts     prometheus.Histogram
	sli             *prometheus.HistogramVec
	preemptions     prometheus.Counter
	victims         prometheus.Histogram
	extensionPoints *prometheus.HistogramVec
	pending         *prometheus.Desc

	mu    sync.Mutex
	queue *Queue
}

// NewMetrics makes the scheduler's metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scheduler_schedule_attempts_total",
			Help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
		}, []string{"result", "profile"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scheduler_scheduling_attempt_duration_seconds",
			Help:    "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"result", "profile"}),
		podAttempts: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_pod_scheduling_attempts",
			Help:    "Number of attempts to successfully schedule a pod.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 5),
		}),
		sli: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scheduler_pod_scheduling_sli_duration_seconds",
			Help:    "E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 20),
		}, []string{"attempts"}),
		preemptions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scheduler_preemption_attempts_total",
			Help: "Total preemption attempts in the cluster till now",
		}),
		victims: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_preemption_victims",
			Help:    "Number of selected preemption victims",
			Buckets: prometheus.ExponentialBuckets(1, 2, 7),
		}),
		extensionPoints: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scheduler_framework_extension_point_duration_seconds",
			Help:    "Latency for running all plugins of a specific extension point.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 12),
		}, []string{"extension_point", "status", "profile"}),
		pending: prometheus.NewDesc("scheduler_pending_pods",
			"Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
			[]string{"queue"}, nil),
	}
}

// Collectors are the metrics to register with the server's registry.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.attempts, m.attemptDuration, m.podAttempts, m.sli, m.preemptions, m.victims, m.extensionPoints, pendingCollector{m}}
}

// setQueue makes q the queue scheduler_pending_pods reads.
func (m *Metrics) setQueue(q *Queue) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queue = q
}

// clearQueue stops reading q, unless a later Scheduler's queue replaced
// it already.
func (m *Metrics) clearQueue(q *Queue) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.queue == q {
		m.queue = nil
	}
}

// Result labels of the attempt metrics, as upstream.
const (
	resultScheduled     = "scheduled"
	resultUnschedulable = "unschedulable"
	resultError         = "error"
)

// attempt records one scheduling attempt of profile that began at start
// and ended now with result.
func (m *Metrics) attempt(profile, result string, start, now time.Time) {
	if m == nil {
		return
	}
	m.attempts.WithLabelValues(result, profile).Inc()
	m.attemptDuration.WithLabelValues(result, profile).Observe(now.Sub(start).Seconds())
}

// bound records a pod bound after info.Attempts attempts, info.Timestamp
// being when it entered the queue.
func (m *Metrics) bound(info *framework.QueuedPodInfo, now time.Time) {
	if m == nil {
		return
	}
	m.podAttempts.Observe(float64(info.Attempts))
	m.sli.WithLabelValues(strconv.Itoa(info.Attempts)).Observe(now.Sub(info.Timestamp).Seconds())
}

// extensionPoint records one run of all the plugins of an extension
// point of profile, begun at start, that ended with st.
func (m *Metrics) extensionPoint(point, profile string, st *framework.Status, start time.Time) {
	if m == nil {
		return
	}
	m.extensionPoints.WithLabelValues(point, st.Code().String(), profile).Observe(time.Since(start).Seconds())
}

// PreemptionAttempt counts one run of a preemption PostFilter.
func (m *Metrics) PreemptionAttempt() {
	if m != nil {
		m.preemptions.Inc()
	}
}

// PreemptionVictims records the victims of the node preemption chose.
func (m *Metrics) PreemptionVictims(n int) {
	if m != nil {
		m.victims.Observe(float64(n))
	}
}

// pendingCollector reports scheduler_pending_pods from the running
// Scheduler's queue at scrape time.
type pendingCollector struct{ m *Metrics }

func (c pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.pending }

func (c pendingCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	q := c.m.queue
	c.m.mu.Unlock()
	var active, backoff, unschedulable, gated int
	if q != nil {
		active, backoff, unschedulable = q.Lens()
		gated = q.Gated()
	}
	for _, v := range []struct {
		queue string
		n     int
	}{{"active", active}, {"backoff", backoff}, {"unschedulable", unschedulable}, {"gated", gated}} {
		ch <- prometheus.MustNewConstMetric(c.m.pending, prometheus.GaugeValue, float64(v.n), v.queue)
	}
}
