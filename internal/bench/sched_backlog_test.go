package bench

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestRunSchedulerBacklogAgainstServer runs the backlog variant of the
// scheduler-only run against the real binary (SKIFF_BIN): the server's
// scheduler stands by while the bench holds its Lease (a pod scheduled
// then fails the run), takes the Lease back once released and schedules
// every pod, and the report says how the pods were measured.
func TestRunSchedulerBacklogAgainstServer(t *testing.T) {
	bin := skiffBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := RunScheduler(ctx, SchedConfig{Binary: bin, PerfNodes: 20, PerfInitPods: 5, PerfPods: 200,
		PerfBacklog: true, Workers: 4, Progress: io.Discard})
	if err != nil {
		t.Fatalf("RunScheduler: %v", err)
	}
	p := rep.Perf
	if p == nil || !p.Backlog || p.OverallPerSec <= 0 || p.CreatePerSec <= 0 {
		t.Fatalf("perf result %+v; want a backlog run with its rates", p)
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"created while the scheduler stood by", "from the scheduler's release", "a backlog created first"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
