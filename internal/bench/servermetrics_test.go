package bench

import (
	"maps"
	"testing"
)

func TestParseClosedWatches(t *testing.T) {
	body := []byte(`# HELP apiserver_terminated_watchers_total Counter of watchers closed due to unresponsiveness
# TYPE apiserver_terminated_watchers_total counter
apiserver_terminated_watchers_total{resource="deployments.apps"} 0
apiserver_terminated_watchers_total{resource="pods"} 3
apiserver_terminated_watchers_total{resource="nodes"} 1
apiserver_watch_cache_events_received_total{resource="pods"} 42
`)
	got, err := parseClosedWatches(body)
	if err != nil {
		t.Fatalf("parseClosedWatches() error = %v", err)
	}
	if want := map[string]int{"pods": 3, "nodes": 1}; !maps.Equal(got, want) {
		t.Errorf("parseClosedWatches() = %v; want %v", got, want)
	}
	if s := formatClosedWatches(got); s != "nodes 1, pods 3" {
		t.Errorf("formatClosedWatches() = %q", s)
	}
	if s := formatClosedWatches(nil); s != "none" {
		t.Errorf("formatClosedWatches(nil) = %q; want none", s)
	}
	if _, err := parseClosedWatches([]byte(`apiserver_terminated_watchers_total{resource="pods"} x` + "\n")); err == nil {
		t.Error("parseClosedWatches() of a malformed value: want an error")
	}
}
