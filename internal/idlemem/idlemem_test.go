package idlemem

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	const mib = 1 << 20
	// Defaults: read every 250 ms; on a 100 MiB live heap the rate is low
	// under 5 MiB a second, 1.25 MiB an interval; a release after 500 ms.
	p := NewPolicy(Config{})
	steps := []struct {
		name string
		s    Sample
		want bool
	}{
		{"first sample only starts", Sample{Allocated: 100 * mib, Live: 100 * mib, Cycles: 3}, false},
		{"busy: 50 MiB allocated over a 100 MiB live heap", Sample{Allocated: 150 * mib, Live: 100 * mib, Cycles: 4}, false},
		{"low for 250 ms: 1 MiB", Sample{Allocated: 151 * mib, Live: 100 * mib, Cycles: 4}, false},
		{"low for 500 ms", Sample{Allocated: 152 * mib, Live: 100 * mib, Cycles: 4}, true},
	}
	for _, st := range steps {
		if got := p.Observe(st.s); got != st.want {
			t.Fatalf("%s: Observe = %v; want %v", st.name, got, st.want)
		}
	}
	// The release ran one collection (cycle 5).
	p.Released(Sample{Allocated: 152 * mib, Live: 90 * mib, Cycles: 5})
	if p.Observe(Sample{Allocated: 152*mib + mib/2, Live: 90 * mib, Cycles: 5}) {
		t.Fatal("quiet again with no collection since the release: released twice; want once per natural collection")
	}
	if !p.Observe(Sample{Allocated: 153 * mib, Live: 90 * mib, Cycles: 6}) {
		t.Fatal("quiet after a collection of its own: want a release")
	}
	p.Released(Sample{Allocated: 153 * mib, Live: 90 * mib, Cycles: 6})
	// A busy interval starts the count again.
	for i, st := range []struct {
		s    Sample
		want bool
	}{
		{Sample{Allocated: 163 * mib, Live: 90 * mib, Cycles: 7}, false},
		{Sample{Allocated: 163*mib + mib/2, Live: 90 * mib, Cycles: 7}, false},
		{Sample{Allocated: 164 * mib, Live: 90 * mib, Cycles: 7}, true},
	} {
		if got := p.Observe(st.s); got != st.want {
			t.Fatalf("after a busy interval, step %d: Observe = %v; want %v", i, got, st.want)
		}
	}
	// The floor: on a 10 MiB heap the rate is low under 1 MiB a second
	// (256 KiB an interval), not 5 % of the heap.
	small := NewPolicy(Config{})
	small.Observe(Sample{Allocated: 10 * mib, Live: 10 * mib, Cycles: 1})
	small.Observe(Sample{Allocated: 10*mib + 200<<10, Live: 10 * mib, Cycles: 2})
	if !small.Observe(Sample{Allocated: 10*mib + 400<<10, Live: 10 * mib, Cycles: 2}) {
		t.Fatal("200 KiB an interval on a 10 MiB heap: want quiet (under the 1 MiB/s floor)")
	}
	small.Released(Sample{Allocated: 10*mib + 400<<10, Live: 10 * mib, Cycles: 3})
	small.Observe(Sample{Allocated: 10*mib + 700<<10, Live: 10 * mib, Cycles: 4})
	if small.Observe(Sample{Allocated: 11 * mib, Live: 10 * mib, Cycles: 4}) {
		t.Fatal("300 KiB an interval (1.2 MiB/s) on a 10 MiB heap: want busy")
	}
	// A longer interval scales the limit: 1 s of 4 MiB on 100 MiB is low.
	slow := NewPolicy(Config{Interval: time.Second, QuietFor: time.Second})
	slow.Observe(Sample{Allocated: 0, Live: 100 * mib, Cycles: 1})
	if !slow.Observe(Sample{Allocated: 4 * mib, Live: 100 * mib, Cycles: 2}) {
		t.Fatal("4 MiB in 1 s on a 100 MiB heap with 1-s intervals: want a release")
	}
}

// TestRunReturnsHeap drives Run against the real runtime: garbage left by
// a burst is returned to the OS once the process is quiet.
func TestRunReturnsHeap(t *testing.T) {
	keep := make([][]byte, 0, 64)
	for range 64 {
		keep = append(keep, make([]byte, 1<<20))
	}
	keep = nil // 64 MiB of garbage the runtime holds until it collects
	_ = keep
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	released := before.HeapReleased
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var compacted atomic.Int32
	go func() {
		Run(ctx, Config{Interval: 50 * time.Millisecond, Compact: func() { compacted.Add(1) }})
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	var after runtime.MemStats
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		runtime.ReadMemStats(&after)
		if after.HeapReleased >= released+32<<20 {
			break
		}
	}
	cancel()
	<-done
	if after.HeapReleased < released+32<<20 {
		t.Fatalf("HeapReleased %d MiB after Run, %d MiB before; want at least 32 MiB of the 64 MiB of garbage returned",
			after.HeapReleased>>20, released>>20)
	}
	if compacted.Load() == 0 {
		t.Error("Run released the heap without calling Config.Compact first")
	}
}

func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	var c TargetConfig
	for _, tt := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{12 * mib, 100}, // an idle server
		{32 * mib, 100},
		{40 * mib, 80},
		{64 * mib, 50},
		{90 * mib, 50},
		{1024 * mib, 50},
	} {
		if got := c.GCPercent(tt.live); got != tt.want {
			t.Errorf("GCPercent(%d MiB) = %d; want %d", tt.live/mib, got, tt.want)
		}
	}
}

// TestRunGCTargetLeavesGOGC: a GOGC the user set is kept.
func TestRunGCTargetLeavesGOGC(t *testing.T) {
	t.Setenv("GOGC", "321")
	old := debug.SetGCPercent(321)
	defer debug.SetGCPercent(old)
	RunGCTarget(cancelled(), TargetConfig{MinPercent: 7, MaxPercent: 7})
	if got := debug.SetGCPercent(old); got != 321 {
		t.Errorf("GOGC=321 in the environment, RunGCTarget left the target at %d; want 321", got)
	}
}

// TestRunGCTargetSets: without GOGC, the target follows the live heap; it
// is set before the first wait, so a cancelled context still sees it set.
func TestRunGCTargetSets(t *testing.T) {
	t.Setenv("GOGC", "")
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	RunGCTarget(cancelled(), TargetConfig{MinPercent: 7, MaxPercent: 7})
	if got := debug.SetGCPercent(old); got != 7 {
		t.Errorf("RunGCTarget with MinPercent = MaxPercent = 7 left the target at %d; want 7", got)
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
