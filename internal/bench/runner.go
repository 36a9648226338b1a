package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// opFunc performs operation number i on behalf of a worker.
type opFunc func(ctx context.Context, i int) error

// plan says how long a row runs: count operations, or for duration when
// that is positive; and, when rate is positive, how fast: operation i is
// then due at i/rate seconds after the start (an open loop), and its
// latency is timed from that moment, so that a server that falls behind
// shows in the latencies rather than slowing the requests down.
type plan struct {
	workers  int
	count    int
	duration time.Duration
	rate     float64
}

// outcome is what one row measured.
type outcome struct {
	latencies []time.Duration
	elapsed   time.Duration
	errors    int
	firstErr  error
}

// run executes op on p.workers goroutines, handing out increasing indices,
// and times every call. It returns once all workers have stopped.
func run(ctx context.Context, p plan, op opFunc) outcome {
	var next atomic.Int64
	var deadline time.Time
	start := time.Now()
	if p.duration > 0 {
		deadline = start.Add(p.duration)
	}
	per := make([]outcome, p.workers)
	var wg sync.WaitGroup
	for w := range per {
		wg.Add(1)
		go func(o *outcome) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if p.duration > 0 {
					if !time.Now().Before(deadline) {
						return
					}
				} else if i >= p.count {
					return
				}
				t0 := time.Now()
				if p.rate > 0 {
					t0 = start.Add(time.Duration(float64(i) / p.rate * float64(time.Second)))
					if (p.duration > 0 && !t0.Before(deadline)) || !sleepUntil(ctx, t0) {
						return
					}
				}
				err := op(ctx, i)
				o.latencies = append(o.latencies, time.Since(t0))
				if err != nil {
					o.errors++
					if o.firstErr == nil {
						o.firstErr = err
					}
				}
			}
		}(&per[w])
	}
	wg.Wait()
	total := outcome{elapsed: time.Since(start)}
	for _, o := range per {
		total.latencies = append(total.latencies, o.latencies...)
		total.errors += o.errors
		if total.firstErr == nil {
			total.firstErr = o.firstErr
		}
	}
	return total
}

// sleepUntil waits until t; it reports false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
