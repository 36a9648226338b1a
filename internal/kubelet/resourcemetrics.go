package kubelet

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The metrics of GET /metrics/resource, as upstream's kubelet 1.33 names
// and describes them (pkg/kubelet/metrics/collectors/resource_metrics.go;
// the "[STABLE]" prefix is what component-base adds to a stable metric's
// help). The swap metrics are left out: hollow nodes have no swap, and
// upstream omits them without swap stats too.
var (
	nodeCPUUsageDesc = prometheus.NewDesc("node_cpu_usage_seconds_total",
		"[STABLE] Cumulative cpu time consumed by the node in core-seconds", nil, nil)
	nodeMemoryUsageDesc = prometheus.NewDesc("node_memory_working_set_bytes",
		"[STABLE] Current working set of the node in bytes", nil, nil)
	containerCPUUsageDesc = prometheus.NewDesc("container_cpu_usage_seconds_total",
		"[STABLE] Cumulative cpu time consumed by the container in core-seconds",
		[]string{"container", "pod", "namespace"}, nil)
	containerMemoryUsageDesc = prometheus.NewDesc("container_memory_working_set_bytes",
		"[STABLE] Current working set of the container in bytes",
		[]string{"container", "pod", "namespace"}, nil)
	containerStartTimeDesc = prometheus.NewDesc("container_start_time_seconds",
		"[STABLE] Start time of the container since unix epoch in seconds",
		[]string{"container", "pod", "namespace"}, nil)
	podCPUUsageDesc = prometheus.NewDesc("pod_cpu_usage_seconds_total",
		"[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
		[]string{"pod", "namespace"}, nil)
	podMemoryUsageDesc = prometheus.NewDesc("pod_memory_working_set_bytes",
		"[STABLE] Current working set of the pod in bytes",
		[]string{"pod", "namespace"}, nil)
	resourceScrapeErrorDesc = prometheus.NewDesc("resource_scrape_error",
		"[STABLE] 1 if there was an error while getting container metrics, 0 otherwise", nil, nil)
)

// resourceCollector turns a Summary into upstream's resource metrics.
type resourceCollector struct {
	summary func() Summary
}

var _ prometheus.Collector = resourceCollector{}

// Describe implements prometheus.Collector.
func (resourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{nodeCPUUsageDesc, nodeMemoryUsageDesc, containerStartTimeDesc,
		containerCPUUsageDesc, containerMemoryUsageDesc, podCPUUsageDesc, podMemoryUsageDesc, resourceScrapeErrorDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector, the way upstream's collector
// does: usage samples carry the time they were read, the start time and
// the scrape error none.
func (c resourceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.summary()
	at := func(t time.Time, desc *prometheus.Desc, typ prometheus.ValueType, v float64, labels ...string) {
		ch <- prometheus.NewMetricWithTimestamp(t, prometheus.MustNewConstMetric(desc, typ, v, labels...))
	}
	at(s.Node.Timestamp, nodeCPUUsageDesc, prometheus.CounterValue, coreSeconds(s.Node.CPUUsageCoreNanoSeconds))
	at(s.Node.Timestamp, nodeMemoryUsageDesc, prometheus.GaugeValue, float64(s.Node.MemoryWorkingSetBytes))
	for _, p := range s.Pods {
		var cpu, mem uint64
		var ts time.Time
		for _, ct := range p.Containers {
			if ct.StartTime.Unix() > 0 {
				ch <- prometheus.MustNewConstMetric(containerStartTimeDesc, prometheus.GaugeValue,
					float64(ct.StartTime.UnixNano())/float64(time.Second), ct.Name, p.Name, p.Namespace)
			}
			at(ct.Timestamp, containerCPUUsageDesc, prometheus.CounterValue, coreSeconds(ct.CPUUsageCoreNanoSeconds), ct.Name, p.Name, p.Namespace)
			at(ct.Timestamp, containerMemoryUsageDesc, prometheus.GaugeValue, float64(ct.MemoryWorkingSetBytes), ct.Name, p.Name, p.Namespace)
			cpu, mem = cpu+ct.CPUUsageCoreNanoSeconds, mem+ct.MemoryWorkingSetBytes
			if ct.Timestamp.After(ts) {
				ts = ct.Timestamp
			}
		}
		at(ts, podCPUUsageDesc, prometheus.CounterValue, coreSeconds(cpu), p.Name, p.Namespace)
		at(ts, podMemoryUsageDesc, prometheus.GaugeValue, float64(mem), p.Name, p.Namespace)
	}
	ch <- prometheus.MustNewConstMetric(resourceScrapeErrorDesc, prometheus.GaugeValue, 0)
}

func coreSeconds(ns uint64) float64 { return float64(ns) / float64(time.Second) }

// resourceMetricsHandler serves the resource metrics of summary in the
// Prometheus text format, as upstream's kubelet does (its own registry,
// errors reported in the response, content type negotiated by promhttp).
func resourceMetricsHandler(summary func() Summary) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(resourceCollector{summary: summary})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
