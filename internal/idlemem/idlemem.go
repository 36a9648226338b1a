// Package idlemem owns how much memory a process keeps beyond its live
// heap: the collector's target as the heap grows (RunGCTarget,
// gctarget.go), handing the heap a quiet process no longer uses back to
// the operating system (Run), and unmapping the executable's pages that
// only its start-up used (ReleaseExecutable, executable.go).
//
// The Go runtime lets the heap grow to twice what is live before it
// collects (GOGC=100), and keeps the pages it has until then: a server
// that stored 10,000 pods and then went quiet holds about twice its live
// heap for as long as it stays quiet. Run reads the allocation rate four
// times a second and, once it has stayed low next to the live heap for
// half a second, collects and returns the free pages at once
// (debug.FreeOSMemory). It does so at most once per collection the
// process made on its own, so a quiet process that still allocates a
// little (lease renewals, status writes) pays one extra collection per
// natural one at most, and a busy process never pays any: its rate is not
// low. Before it collects, Run lets the process pack what it keeps into
// fewer spans (Config.Compact), so that the release also returns the
// spans the packing emptied.
package idlemem

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Config tunes Run; the zero value takes the defaults.
type Config struct {
	// Interval is how often the allocation rate is read (250 ms).
	Interval time.Duration
	// QuietFor is how long the rate must stay low before a release
	// (500 ms): a pause between requests of a busy process is shorter.
	QuietFor time.Duration
	// QuietShare: the rate is low while the process allocates less than
	// this share of its live heap a second (0.05), or less than MinBytes
	// a second.
	QuietShare float64
	// MinBytes is the allocation a second under which the rate is always
	// low (1 MiB), for small heaps.
	MinBytes uint64
	// Log receives one debug line per release (nil: none).
	Log *slog.Logger
	// Compact, if set, runs before each release: a way for owners of
	// long-lived memory to move it into fewer spans (the watch caches'
	// storage.Store.Pack), so that the release returns the spans it left.
	Compact func()
}

func (c *Config) defaults() {
	if c.Interval <= 0 {
		c.Interval = 250 * time.Millisecond
	}
	if c.QuietFor <= 0 {
		c.QuietFor = 500 * time.Millisecond
	}
	if c.QuietShare <= 0 {
		c.QuietShare = 0.05
	}
	if c.MinBytes == 0 {
		c.MinBytes = 1 << 20
	}
}

// Sample is what the runtime reports at one point: bytes allocated so
// far, bytes live after the last collection, and collections so far.
type Sample struct {
	Allocated uint64
	Live      uint64
	Cycles    uint64
}

// Policy decides, interval after interval, when to release. It is Run's
// logic without the clock and the runtime, for tests.
type Policy struct {
	cfg Config
	// last is the previous sample; quiet the run of low-rate intervals up
	// to it; releasedAt the collection count right after the last release
	// (a release waits for a collection beyond it).
	last       Sample
	quiet      time.Duration
	releasedAt uint64
	started    bool
}

// NewPolicy returns a Policy with cfg's defaults filled in.
func NewPolicy(cfg Config) *Policy {
	cfg.defaults()
	return &Policy{cfg: cfg}
}

// Observe takes the sample at the end of an interval and reports whether
// to release now.
func (p *Policy) Observe(s Sample) bool {
	if !p.started {
		p.started, p.last = true, s
		return false
	}
	allocated := s.Allocated - p.last.Allocated
	p.last = s
	perSecond := max(uint64(p.cfg.QuietShare*float64(s.Live)), p.cfg.MinBytes)
	limit := uint64(float64(perSecond) * p.cfg.Interval.Seconds())
	if allocated >= limit {
		p.quiet = 0
		return false
	}
	p.quiet += p.cfg.Interval
	return p.quiet >= p.cfg.QuietFor && s.Cycles > p.releasedAt
}

// Released records the sample taken right after a release.
func (p *Policy) Released(s Sample) {
	p.last, p.releasedAt = s, s.Cycles
}

var sampleNames = []string{"/gc/heap/allocs:bytes", "/gc/heap/live:bytes", "/gc/cycles/total:gc-cycles"}

// read samples the runtime.
func read(buf []metrics.Sample) Sample {
	metrics.Read(buf)
	return Sample{Allocated: buf[0].Value.Uint64(), Live: buf[1].Value.Uint64(), Cycles: buf[2].Value.Uint64()}
}

// Run releases the process's unused heap each time it goes quiet, until
// ctx ends. Start it once per process.
func Run(ctx context.Context, cfg Config) {
	cfg.defaults()
	buf := make([]metrics.Sample, len(sampleNames))
	for i, n := range sampleNames {
		buf[i].Name = n
	}
	p := NewPolicy(cfg)
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !p.Observe(read(buf)) {
			continue
		}
		start := time.Now()
		if cfg.Compact != nil {
			cfg.Compact()
		}
		debug.FreeOSMemory()
		s := read(buf)
		p.Released(s)
		if cfg.Log != nil {
			cfg.Log.Debug("returned unused heap to the OS", "live_bytes", s.Live, "took", time.Since(start))
		}
	}
}
