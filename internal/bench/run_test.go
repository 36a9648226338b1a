package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunAgainstServer runs a tiny benchmark against the real binary named
// by SKIFF_BIN (scripts/test.sh sets it, inside a private network namespace).
func TestRunAgainstServer(t *testing.T) {
	bin := skiffBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	dir := t.TempDir()
	cpu, heap := filepath.Join(dir, "cpu.pb.gz"), filepath.Join(dir, "heap.pb.gz")
	percent0, limit0 := gcSettings()
	during := &gcDuringRun{}
	rep, err := Run(ctx, Config{
		Progress: during,
		Binary:   bin, Objects: 20, Watchers: 10, Workers: 2, Count: 10, ListCount: 3,
		Sizes: []int{1, 5}, Settle: 10 * time.Millisecond, Rest: 10 * time.Millisecond,
		// Restarts on a data dir are internal/app's to test; the bench
		// reports a failed restart rather than failing.
		SkipRestart:      true,
		ServerCPUProfile: cpu, ServerCPUProfileSeconds: 1,
		ServerHeapProfile: heap,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, path := range []string{cpu, heap} {
		// pprof profiles are gzipped protobuf.
		if b, err := os.ReadFile(path); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("server profile %s: %d bytes, %v; want a gzipped profile", path, len(b), err)
		}
	}
	// 5 rows per size and the pod fill.
	if got, want := len(rep.Ops), 11; got != want {
		t.Errorf("Run gave %d rows; want %d", got, want)
	}
	for _, row := range rep.Ops {
		if row.Errors != 0 || row.Count == 0 {
			t.Errorf("row %s %s (%d objects): count %d, errors %d (%s); want some ops and no errors",
				row.Op, row.Resource, row.Objects, row.Count, row.Errors, row.FirstError)
		}
	}
	if rep.Fanout.Received != 10 {
		t.Errorf("fan-out received %d of 10 events; want all", rep.Fanout.Received)
	}
	if rep.ReadyMs <= 0 || rep.Idle.RSS <= 0 || rep.Loaded.RSS <= 0 || rep.LoadedAtFill.RSS <= 0 {
		t.Errorf("ready %v ms, idle %s, loaded %s (at the fill's end %s); want all positive", rep.ReadyMs, rep.Idle, rep.Loaded, rep.LoadedAtFill)
	}
	if rep.LoadedRest.RSS <= 0 {
		t.Errorf("memory at rest %s; want it read", rep.LoadedRest)
	}
	if !rep.LoadedQuiet || rep.LoadedWaitMs < 1000 {
		t.Errorf("loaded memory read %v ms after the fill, quiet %v; want the server quiet, at least one 1 s window later", rep.LoadedWaitMs, rep.LoadedQuiet)
	}
	// The bench's own collector was off for the run (the default) and is
	// back as it was.
	if during.lines == 0 || during.percent != -1 || during.limit != clientGCLimit {
		t.Errorf("during Run (%d progress lines): GOGC %d, memory limit %d; want -1, %d", during.lines, during.percent, during.limit, clientGCLimit)
	}
	if rep.ClientGOGC != -1 {
		t.Errorf("report says the bench ran at GOGC %d; want -1 (off), the default", rep.ClientGOGC)
	}
	if p, l := gcSettings(); p != percent0 || l != limit0 {
		t.Errorf("after Run: GOGC %d, memory limit %d; want them back at %d, %d", p, l, percent0, limit0)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("WriteJSON wrote %q, which does not decode: %v", b.String(), err)
	}
	if len(back.Ops) != len(rep.Ops) || back.Fanout != rep.Fanout || back.ClientGOGC != rep.ClientGOGC {
		t.Errorf("JSON round trip = %+v; want %+v", back, *rep)
	}
}

// TestRunPacedAgainstServer runs the rows paced (Config.Rate, the --rate
// flag) against the real binary: each row keeps to the pace, and the
// report says so.
func TestRunPacedAgainstServer(t *testing.T) {
	bin := skiffBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	const rate = 100
	rep, err := Run(ctx, Config{
		Binary: bin, Workers: 4, Count: 20, ListCount: 10, Sizes: []int{1}, Rate: rate,
		Settle: 10 * time.Millisecond, Rest: 10 * time.Millisecond, SkipRestart: true,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(rep.Ops) != 5 {
		t.Fatalf("Run gave %d rows; want the 5 of one size", len(rep.Ops))
	}
	for _, row := range rep.Ops {
		if row.Errors != 0 || row.Count == 0 {
			t.Errorf("row %s: count %d, errors %d (%s); want some ops and no errors", row.Op, row.Count, row.Errors, row.FirstError)
		}
		// n operations at 100 a second take at least (n-1)/100 s, the
		// last one's due time (20 take 190 ms): unpaced, 4 workers would
		// do them in a few. So a paced row of n runs at most at
		// 100·n/(n-1) a second (111 for the 10 lists), however fast the
		// server answers.
		if n := float64(row.Count); n > 1 && row.OpsPerSec > rate*n/(n-1)*1.01 {
			t.Errorf("row %s ran %d operations at %.0f a second; want at most the pace allows, %.0f", row.Op, row.Count, row.OpsPerSec, rate*n/(n-1))
		}
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if want := "each row paced at 100 operations a second"; !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("the report does not say %q:\n%s", want, b.String())
	}
}

// skiffBinary is the real binary SKIFF_BIN names (scripts/test.sh sets
// it, inside a private network namespace); without it the test is skipped.
func skiffBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("SKIFF_BIN")
	if bin == "" {
		t.Skip("SKIFF_BIN is not set: no skiff binary to start")
	}
	return bin
}

// gcDuringRun is a Progress writer that reads the process's collector
// settings as each progress line arrives, that is, while Run runs.
type gcDuringRun struct {
	lines   int
	percent int
	limit   int64
}

func (g *gcDuringRun) Write(p []byte) (int, error) {
	g.lines++
	g.percent, g.limit = gcSettings()
	return len(p), nil
}
