package scheduler

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testclock "k8s.io/utils/clock/testing"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// TestPendingPodsMetric: scheduler_pending_pods reads the running
// Scheduler's queue by queue type, and 0 when none runs or after its term.
func TestPendingPodsMetric(t *testing.T) {
	m := NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	check := func(when string, vals map[string]float64) {
		t.Helper()
		series := gather(t, reg, "scheduler_pending_pods")
		if len(series) != 4 {
			t.Fatalf("%s: %d series; want 4 (active, backoff, unschedulable, gated)", when, len(series))
		}
		for _, s := range series {
			q := s.GetLabel()[0].GetValue()
			if v := s.GetGauge().GetValue(); v != vals[q] {
				t.Errorf("%s: queue %s = %v; want %v", when, q, v, vals[q])
			}
		}
	}
	check("no scheduler", nil)
	q := NewQueue(func(a, b *framework.QueuedPodInfo) bool { return a.Timestamp.Before(b.Timestamp) }, nil, testclock.NewFakeClock(time.Now()))
	m.setQueue(q)
	pod := func(uid string) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: uid, UID: types.UID(uid)}}
	}
	q.Add(pod("a"))
	q.Add(pod("b"))
	q.AddGated(pod("g"))
	check("two active, one gated", map[string]float64{"active": 2, "gated": 1})
	q.Add(pod("g")) // its gates removed
	check("gate removed", map[string]float64{"active": 3})
	m.clearQueue(NewQueue(nil, nil, testclock.NewFakeClock(time.Now())))
	check("another term's end leaves this queue", map[string]float64{"active": 3})
	m.clearQueue(q)
	check("term over", nil)
}

// TestAttemptMetrics: attempts count by result and profile, and a bound
// pod's attempts and time since it entered the queue are observed.
func TestAttemptMetrics(t *testing.T) {
	m := NewMetrics()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.attempt("default-scheduler", resultUnschedulable, start, start.Add(3*time.Millisecond))
	m.attempt("default-scheduler", resultScheduled, start, start.Add(5*time.Millisecond))
	m.bound(&framework.QueuedPodInfo{Attempts: 2, Timestamp: start}, start.Add(2*time.Second))
	var nilMetrics *Metrics
	nilMetrics.attempt("p", resultError, start, start) // records nothing, no panic
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	results := map[string]float64{}
	for _, s := range gather(t, reg, "scheduler_schedule_attempts_total") {
		results[s.GetLabel()[1].GetValue()+"/"+s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
	}
	if len(results) != 2 || results["scheduled/default-scheduler"] != 1 || results["unschedulable/default-scheduler"] != 1 {
		t.Errorf("attempts by result/profile %v; want one scheduled, one unschedulable", results)
	}
	h := gather(t, reg, "scheduler_pod_scheduling_attempts")[0].GetHistogram()
	if h.GetSampleCount() != 1 || h.GetSampleSum() != 2 {
		t.Errorf("pod scheduling attempts: %d samples, sum %v; want one of 2", h.GetSampleCount(), h.GetSampleSum())
	}
	sli := gather(t, reg, "scheduler_pod_scheduling_sli_duration_seconds")
	if len(sli) != 1 || sli[0].GetLabel()[0].GetValue() != "2" || sli[0].GetHistogram().GetSampleSum() != 2 {
		t.Errorf("sli %v; want one 2 s sample labelled attempts=2", sli)
	}
}

// gather returns the series of the metric named name.
func gather(t *testing.T, reg *prometheus.Registry, name string) []*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()
		}
	}
	return nil
}
