package bench

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestRunSchedulerEndToEndAgainstServer runs both end-to-end modes, small,
// against the real binary: every pod runs on the hollow nodes, and the
// report counts the watches the server closed, read from its /metrics.
func TestRunSchedulerEndToEndAgainstServer(t *testing.T) {
	bin := skiffBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	rep, err := RunScheduler(ctx, SchedConfig{Binary: bin, Nodes: 5, Pods: 40, LatencyPods: 5, LatencyQPS: 20,
		Workers: 4, Progress: io.Discard})
	if err != nil {
		t.Fatalf("RunScheduler: %v", err)
	}
	if len(rep.E2E) != 2 {
		t.Fatalf("RunScheduler gave %d end-to-end runs; want bare and deployment", len(rep.E2E))
	}
	for _, e := range rep.E2E {
		if e.Running != 40 || e.LatencyRunning != 5 || e.PodsPerSec <= 0 || e.Server.RSS <= 0 || e.Agent.RSS <= 0 {
			t.Errorf("%s run %+v; want all 40 + 5 pods Running and its figures", e.Mode, e)
		}
		if c := e.CPUMsPerPod; c.Server <= 0 || c.Bench < 0 || c.Agent < 0 {
			t.Errorf("%s run: CPU per pod %+v; want the server's at least", e.Mode, c)
		}
		if len(e.ClosedWatches) != 0 {
			t.Errorf("%s run: the server closed watches %v; want none in so small a run", e.Mode, e.ClosedWatches)
		}
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bare: watches the server closed as too far behind: none", "deployment: watches the server closed",
		"CPU per pod, ms", "bare: server "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
