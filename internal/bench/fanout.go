package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// Fanout is the watch fan-out figure: Watchers watches on one object, one
// update, and per watcher the delay from the update's return to the event's
// arrival. An event that arrives before the update call returns counts as 0.
type Fanout struct {
	Watchers int `json:"watchers"`
	// Received is how many watchers saw the event within the timeout.
	Received int `json:"received"`
	// SetupMs is how long opening all watches took.
	SetupMs float64 `json:"setup_ms"`
	// WriteMs is the latency of the update call itself.
	WriteMs float64 `json:"write_ms"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	// SentP50Ms and SentP99Ms measure the same arrivals from the moment the
	// update was sent: they include the write itself.
	SentP50Ms float64 `json:"sent_p50_ms"`
	SentP99Ms float64 `json:"sent_p99_ms"`
}

// openParallel bounds how many watches are being opened at once.
const openParallel = 32

// fanout opens n watches on one ConfigMap, updates it once and times the
// event's arrival at every watcher.
func fanout(ctx context.Context, cs kubernetes.Interface, n int, timeout time.Duration) (Fanout, error) {
	const ns, name = "bench-watch", "fanout"
	if err := createNamespace(ctx, cs, ns); err != nil {
		return Fanout{}, err
	}
	cms := cs.CoreV1().ConfigMaps(ns)
	cm, err := cms.Create(ctx, configMap(ns, name, 0), metav1.CreateOptions{})
	if err != nil {
		return Fanout{}, fmt.Errorf("create fan-out configmap: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	setupStart := time.Now()
	watchers, err := openWatches(ctx, cs, ns, name, cm.ResourceVersion, n)
	defer func() {
		for _, w := range watchers {
			w.Stop()
		}
	}()
	if err != nil {
		return Fanout{}, err
	}
	res := Fanout{Watchers: n, SetupMs: millis(time.Since(setupStart))}

	arrivals := make([]time.Time, n)
	var wg sync.WaitGroup
	for i, w := range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range w.ResultChan() {
				if ev.Type == watch.Modified {
					arrivals[i] = time.Now()
					return
				}
			}
		}()
	}
	cm.Data["index"] = "1"
	writeStart := time.Now()
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return res, fmt.Errorf("update fan-out configmap: %w", err)
	}
	written := time.Now()
	res.WriteMs = millis(written.Sub(writeStart))

	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(timeout):
	}
	cancel()
	for _, w := range watchers {
		w.Stop()
	}
	<-waited
	var delays, sent []time.Duration
	for _, at := range arrivals {
		if at.IsZero() {
			continue
		}
		delays = append(delays, max(at.Sub(written), 0))
		sent = append(sent, at.Sub(writeStart))
	}
	s, ss := Summarize(delays), Summarize(sent)
	res.Received, res.P50Ms, res.P99Ms, res.MaxMs = s.Count, millis(s.P50), millis(s.P99), millis(s.Max)
	res.SentP50Ms, res.SentP99Ms = millis(ss.P50), millis(ss.P99)
	return res, nil
}

// openWatches opens n watches on one named ConfigMap from rv; each has
// its response headers (the server flushes them once the watch is
// registered) before openWatches returns.
func openWatches(ctx context.Context, cs kubernetes.Interface, ns, name, rv string, n int) ([]watch.Interface, error) {
	watchers := make([]watch.Interface, n)
	errs := make([]error, n)
	sem := make(chan struct{}, openParallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			watchers[i], errs[i] = cs.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{
				FieldSelector:   "metadata.name=" + name,
				ResourceVersion: rv,
				TimeoutSeconds:  ptr(int64(600)),
			})
		}()
	}
	wg.Wait()
	open := watchers[:0]
	var firstErr error
	for i, w := range watchers {
		if errs[i] != nil && firstErr == nil {
			firstErr = fmt.Errorf("open watch %d of %d: %w", i+1, n, errs[i])
		}
		if w != nil {
			open = append(open, w)
		}
	}
	return open, firstErr
}

func ptr[T any](v T) *T { return &v }
