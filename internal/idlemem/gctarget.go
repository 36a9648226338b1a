package idlemem

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// TargetConfig tunes RunGCTarget; the zero value takes the defaults.
type TargetConfig struct {
	// Headroom is the most heap the collector lets grow beyond the live
	// heap before it collects, as long as that keeps GOGC at MinPercent or
	// above (32 MiB).
	Headroom uint64
	// MinPercent and MaxPercent bound the GOGC chosen (50 and 100).
	MinPercent, MaxPercent int
	// Interval is how often the live heap is read (1 s).
	Interval time.Duration
}

func (c *TargetConfig) defaults() {
	if c.Headroom == 0 {
		c.Headroom = 32 << 20
	}
	if c.MinPercent <= 0 {
		c.MinPercent = 50
	}
	if c.MaxPercent <= 0 {
		c.MaxPercent = 100
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
}

// GCPercent is the GOGC for a live heap of live bytes: Go's default (100,
// MaxPercent) while that lets the heap grow by at most Headroom, then less,
// so that it grows by Headroom, down to MinPercent.
func (c TargetConfig) GCPercent(live uint64) int {
	c.defaults()
	if live == 0 {
		return c.MaxPercent
	}
	p := int(uint64(100) * c.Headroom / live)
	return max(c.MinPercent, min(c.MaxPercent, p))
}

// RunGCTarget keeps the collector's target (GOGC) at cfg.GCPercent of the
// live heap until ctx ends, unless the GOGC environment variable set one,
// which it leaves alone. Start it once per process.
//
// At Go's default a heap grows to twice what is live before each
// collection. A server holding 10,000 pods lives on about 90 MiB of heap,
// and between collections its requests' garbage lands among the objects
// that stay (cache entries, informer objects). The runtime never moves
// objects, so each span that keeps one of them stays in use: with GOGC at
// 100 the heap spans such a server kept in use after a full collection
// were 156 MiB, at 50 they were 131 MiB. A small heap, as an idle
// server's or one serving a few thousand objects, keeps the default, and
// with it the default's CPU: the collector's work grows as GOGC falls.
func RunGCTarget(ctx context.Context, cfg TargetConfig) {
	if os.Getenv("GOGC") != "" {
		return
	}
	cfg.defaults()
	buf := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	cur := -1
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		metrics.Read(buf)
		if p := cfg.GCPercent(buf[0].Value.Uint64()); p != cur {
			debug.SetGCPercent(p)
			cur = p
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
