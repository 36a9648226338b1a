package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		workers    int
		count      int
		failEvery  int
		wantErrors int
	}{
		{name: "one worker", workers: 1, count: 10},
		{name: "more workers than ops", workers: 8, count: 3},
		{name: "every third fails", workers: 4, count: 30, failEvery: 3, wantErrors: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int]int{}
			out := run(context.Background(), plan{workers: tt.workers, count: tt.count}, func(_ context.Context, i int) error {
				mu.Lock()
				seen[i]++
				mu.Unlock()
				if tt.failEvery > 0 && i%tt.failEvery == 0 {
					return boom
				}
				return nil
			})
			if got := len(out.latencies); got != tt.count {
				t.Errorf("run(workers %d, count %d) timed %d ops; want %d", tt.workers, tt.count, got, tt.count)
			}
			for i := range tt.count {
				if seen[i] != 1 {
					t.Errorf("run(workers %d, count %d) ran op %d %d times; want 1", tt.workers, tt.count, i, seen[i])
				}
			}
			if out.errors != tt.wantErrors {
				t.Errorf("run(...) errors = %d; want %d", out.errors, tt.wantErrors)
			}
			if (out.firstErr != nil) != (tt.wantErrors > 0) {
				t.Errorf("run(...) firstErr = %v; want an error: %v", out.firstErr, tt.wantErrors > 0)
			}
		})
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	// Which op indexes run depends on how the two workers interleave, so
	// the test counts what must hold under any interleaving: once cancel
	// has returned, each other worker starts at most one more op (it may
	// have passed its ctx check already), and every op started is timed.
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled, started, after atomic.Int64
	out := run(ctx, plan{workers: 2, count: 1 << 30}, func(_ context.Context, i int) error {
		started.Add(1)
		if cancelled.Load() == 1 {
			after.Add(1)
		}
		if i == 5 {
			cancel()
			cancelled.Store(1)
		}
		return nil
	})
	if got := after.Load(); got > 1 {
		t.Errorf("run started %d ops after cancel returned; want at most 1 (one per other worker)", got)
	}
	if got, want := len(out.latencies), int(started.Load()); got != want {
		t.Errorf("run timed %d ops; %d were started", got, want)
	}
	if got := started.Load(); got < 6 {
		t.Errorf("run started %d ops before stopping; want at least 6 (ops 0 to 5)", got)
	}
}

// TestRunAtRate: a paced row starts operation i no sooner than i/rate
// after the start, and times each from when it was due, so a server that
// cannot keep up shows in the latencies: one worker doing 20 ms
// operations falls behind a pace of 100 a second, and its last operation
// is timed with the wait it had.
func TestRunAtRate(t *testing.T) {
	var mu sync.Mutex
	started := map[int]time.Time{}
	begin := time.Now()
	out := run(context.Background(), plan{workers: 1, count: 10, rate: 100}, func(_ context.Context, i int) error {
		mu.Lock()
		started[i] = time.Now()
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	if len(out.latencies) != 10 {
		t.Fatalf("timed %d ops; want 10", len(out.latencies))
	}
	for i, at := range started {
		if due := begin.Add(time.Duration(i) * 10 * time.Millisecond); at.Before(due.Add(-time.Millisecond)) {
			t.Errorf("op %d started %v after the start; not due before %v", i, at.Sub(begin), due.Sub(begin))
		}
	}
	// Op 9 is due at 90 ms and starts after the nine before it, at 180 ms
	// or later: timed from when it was due, it took at least 110 ms.
	if last := out.latencies[9]; last < 105*time.Millisecond {
		t.Errorf("the last op is timed %v; want at least 110 ms, its wait included", last)
	}

	// With workers enough, the pace holds: 20 ops at 200 a second take
	// about 100 ms, not the 20 ms 20 workers would need.
	begin = time.Now()
	run(context.Background(), plan{workers: 20, count: 20, rate: 200}, func(context.Context, int) error { return nil })
	if took := time.Since(begin); took < 90*time.Millisecond {
		t.Errorf("20 ops paced at 200 a second took %v; want about 100 ms", took)
	}
}
