package apiserver

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestObserveRequests: the request metrics carry upstream's labels and
// count each request once, whether its series is new or resolved before.
func TestObserveRequests(t *testing.T) {
	m := newMetrics()
	get := requestInfo{Verb: "get", Version: "v1", Namespace: "default", Resource: "pods", Name: "p1", IsResource: true}
	for range 3 {
		m.observe(get, 200, 2*time.Millisecond)
	}
	m.observe(get, 404, time.Millisecond)
	m.observe(requestInfo{Verb: "create", Group: "apps", Version: "v1", Namespace: "default", Resource: "deployments", IsResource: true}, 201, time.Millisecond)
	m.observe(requestInfo{Verb: "watch", Version: "v1", Resource: "nodes", IsResource: true}, 200, time.Minute)
	m.observe(requestInfo{Verb: "deletecollection", Version: "v1", Namespace: "default", Resource: "configmaps", IsResource: true}, 200, time.Millisecond)

	counts := []struct {
		labels []string
		want   float64
	}{
		{[]string{"GET", "", "", "v1", "pods", "", "resource", "apiserver", "200"}, 3},
		{[]string{"GET", "", "", "v1", "pods", "", "resource", "apiserver", "404"}, 1},
		{[]string{"POST", "", "apps", "v1", "deployments", "", "namespace", "apiserver", "201"}, 1},
		{[]string{"WATCH", "", "", "v1", "nodes", "", "cluster", "apiserver", "200"}, 1},
		{[]string{"DELETE", "", "", "v1", "configmaps", "", "namespace", "apiserver", "200"}, 1},
	}
	for _, c := range counts {
		var got dto.Metric
		if err := m.requests.WithLabelValues(c.labels...).Write(&got); err != nil {
			t.Fatal(err)
		}
		if got.GetCounter().GetValue() != c.want {
			t.Errorf("apiserver_request_total%v = %v; want %v", c.labels, got.GetCounter().GetValue(), c.want)
		}
	}
	// Durations: GETs of both codes in one series, and no watch series.
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "apiserver_request_duration_seconds" && len(f.GetMetric()) != 3 {
			t.Errorf("apiserver_request_duration_seconds has %d series; want 3 (GET pods, POST deployments, DELETE configmaps; watches untimed)", len(f.GetMetric()))
		}
	}
}
