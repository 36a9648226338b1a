package resourcemetrics

import (
	"fmt"
	"io"
	"math"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/types"
)

// The kubelet's resource metrics (GET /metrics/resource) the pipeline reads.
const (
	nodeCPU          = "node_cpu_usage_seconds_total"
	nodeMemory       = "node_memory_working_set_bytes"
	containerCPU     = "container_cpu_usage_seconds_total"
	containerMemory  = "container_memory_working_set_bytes"
	containerStarted = "container_start_time_seconds"
)

// containerKey names one container in a scrape.
type containerKey struct {
	pod       types.NamespacedName
	container string
}

// parseScrape reads a kubelet's /metrics/resource answer. Samples without
// a timestamp take now. A container is kept only with both its CPU and
// memory samples, as metrics-server does; a sample with a missing label
// or a negative or non-finite value is skipped.
func parseScrape(r io.Reader, now time.Time) (Scrape, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return Scrape{}, fmt.Errorf("parse resource metrics: %w", err)
	}
	var sc Scrape
	var nodeCPUSeen, nodeMemSeen bool
	if m := single(families[nodeCPU]); m != nil {
		if v, ok := value(m); ok {
			sc.Node.CPU, sc.Node.Time, nodeCPUSeen = v, stamp(m, now), true
		}
	}
	if m := single(families[nodeMemory]); m != nil {
		if v, ok := value(m); ok {
			sc.Node.Memory, nodeMemSeen = uint64(v), true
			if !nodeCPUSeen {
				sc.Node.Time = stamp(m, now)
			}
		}
	}
	sc.HasNode = nodeCPUSeen && nodeMemSeen

	cpu := map[containerKey]Point{}
	for _, m := range metricsOf(families[containerCPU]) {
		if k, ok := keyOf(m); ok {
			if v, ok := value(m); ok {
				cpu[k] = Point{CPU: v, Time: stamp(m, now)}
			}
		}
	}
	mem := map[containerKey]uint64{}
	for _, m := range metricsOf(families[containerMemory]) {
		if k, ok := keyOf(m); ok {
			if v, ok := value(m); ok {
				mem[k] = uint64(v)
			}
		}
	}
	started := map[containerKey]time.Time{}
	for _, m := range metricsOf(families[containerStarted]) {
		if k, ok := keyOf(m); ok {
			if v, ok := value(m); ok {
				sec, frac := math.Modf(v)
				started[k] = time.Unix(int64(sec), int64(frac*1e9))
			}
		}
	}
	sc.Containers = map[types.NamespacedName]map[string]Point{}
	for k, p := range cpu {
		m, ok := mem[k]
		if !ok {
			continue
		}
		p.Memory, p.Start = m, started[k]
		if sc.Containers[k.pod] == nil {
			sc.Containers[k.pod] = map[string]Point{}
		}
		sc.Containers[k.pod][k.container] = p
	}
	return sc, nil
}

func metricsOf(f *dto.MetricFamily) []*dto.Metric {
	if f == nil {
		return nil
	}
	return f.GetMetric()
}

// single returns the one sample of an unlabelled family.
func single(f *dto.MetricFamily) *dto.Metric {
	if ms := metricsOf(f); len(ms) == 1 {
		return ms[0]
	}
	return nil
}

func keyOf(m *dto.Metric) (containerKey, bool) {
	var k containerKey
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "namespace":
			k.pod.Namespace = l.GetValue()
		case "pod":
			k.pod.Name = l.GetValue()
		case "container":
			k.container = l.GetValue()
		}
	}
	return k, k.pod.Namespace != "" && k.pod.Name != "" && k.container != ""
}

// value reads a counter, gauge or untyped sample.
func value(m *dto.Metric) (float64, bool) {
	var v float64
	switch {
	case m.Counter != nil:
		v = m.Counter.GetValue()
	case m.Gauge != nil:
		v = m.Gauge.GetValue()
	case m.Untyped != nil:
		v = m.Untyped.GetValue()
	default:
		return 0, false
	}
	return v, v >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}

func stamp(m *dto.Metric, now time.Time) time.Time {
	if m.TimestampMs == nil {
		return now
	}
	return time.UnixMilli(m.GetTimestampMs())
}
