package bench

import (
	"math"
	"slices"
	"time"
)

// Summary is the latency distribution of one measured row.
type Summary struct {
	Count int
	P50   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// Summarize sorts samples in place and returns their nearest-rank
// percentiles; an empty slice yields a zero Summary.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	return Summary{
		Count: len(samples),
		P50:   percentile(samples, 50),
		P99:   percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// percentile is the nearest-rank percentile p (0-100] of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// millis is d in milliseconds, for reports.
func millis(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
