package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The latency phase follows upstream ClusterLoader2's density test
// (kubernetes/perf-tests clusterloader2/testing/density/config.yaml). It
// first creates the "saturation" pods and waits until they run. Then it
// creates the "latency" pods: at least 500, each its own 1-replica
// Deployment, at 5 a second (tuning set Uniform5qps). PodStartupLatency,
// which the 5 s SLO is checked against, is measured on the latency pods
// only. The saturation pods of an end-to-end run are created in a burst
// that saturates the machine, so their startup is mostly queueing; the
// latency pods show what one pod takes on the loaded cluster.

// latencyNamespace holds the latency pods, apart from the saturation pods
// of namespace sched-e2e, so that their watch sees only them.
const latencyNamespace = "sched-e2e-latency"

// startLatencyPods runs the latency phase of one end-to-end run, once the
// saturation pods are Running (they stay): it creates cfg.LatencyPods pods
// in latencyNamespace, one every 1/cfg.LatencyQPS seconds, bare in mode
// bare and each through its own 1-replica Deployment in mode deployment
// (as upstream). It waits until all run and fills the latency figures of
// res, measured as the saturation pods' are (startupOf).
func startLatencyPods(ctx context.Context, cfg *SchedConfig, cs kubernetes.Interface, mode string, res *E2EResult) error {
	const ns = latencyNamespace
	res.LatencyPods, res.LatencyQPS = cfg.LatencyPods, cfg.LatencyQPS
	tr, stopWatch, err := trackNewNamespace(ctx, cs, ns)
	if err != nil {
		return err
	}
	defer stopWatch()
	create, err := latencyCreate(cs, tr, mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Progress, "bench: start %d latency pods (%s) at %g/s\n", cfg.LatencyPods, mode, cfg.LatencyQPS)
	start := time.Now()
	tick, stopTick := schedule(ctx, paceInterval(cfg.LatencyQPS))
	err = createPaced(ctx, cfg.LatencyPods, tick, create)
	stopTick()
	if err != nil {
		return fmt.Errorf("create %d latency pods: %w", cfg.LatencyPods, err)
	}
	planned := time.Duration(cfg.LatencyPods-1) * paceInterval(cfg.LatencyQPS)
	fmt.Fprintf(cfg.Progress, "bench: latency pods created in %.1f s (paced: %.1f s)\n", time.Since(start).Seconds(), planned.Seconds())
	err = waitUntil(ctx, fmt.Sprintf("%d latency pods Running", cfg.LatencyPods), limitFor(cfg.LatencyPods), func() (bool, string) {
		s, r := tr.counts()
		return r >= cfg.LatencyPods, fmt.Sprintf("%d scheduled, %d running", s, r)
	})
	f := startupOf(tr.snapshot())
	res.LatencyRunning = f.running
	res.LatencyStartupP50Ms, res.LatencyStartupP99Ms, res.LatencyStartupMaxMs = millis(f.startup.P50), millis(f.startup.P99), millis(f.startup.Max)
	res.LatencyScheduleP99Ms = millis(f.schedule.P99)
	return err
}

// latencyCreate is the create of latency pod i in mode: a bare hollow pod
// (its create stamped sent on tr), or a 1-replica Deployment of one.
// Upstream's latency Deployments carry labels name and group; each
// selects its own pod by name.
func latencyCreate(cs kubernetes.Interface, tr *podTracker, mode string) (func(ctx context.Context, i int) error, error) {
	const ns = latencyNamespace
	switch mode {
	case "bare":
		return func(ctx context.Context, i int) error {
			return sendPod(ctx, cs, tr, hollowPod(ns, fmt.Sprintf("latency-%d", i), map[string]string{"group": "latency"}))
		}, nil
	case "deployment":
		return func(ctx context.Context, i int) error {
			name := fmt.Sprintf("latency-%d", i)
			d := benchDeployment(ns, name, 1, map[string]string{"name": name, "group": "latency"})
			if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create deployment %s: %w", name, err)
			}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("mode %q: want bare or deployment", mode)
}

// paceInterval is the time between two creates at qps a second.
func paceInterval(qps float64) time.Duration {
	return time.Duration(float64(time.Second) / qps)
}

// schedule sends on its channel at start + k*interval for k = 1, 2, ...
// (start being when it is called) until stop is called or ctx ends. Unlike
// a time.Ticker it drops no tick when the receiver is late: a late tick is
// sent at once, so that a paced phase keeps its average rate on a machine
// too busy to wake the pacer on time.
func schedule(ctx context.Context, interval time.Duration) (<-chan time.Time, func()) {
	ctx, cancel := context.WithCancel(ctx)
	c := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		for k := 1; ; k++ {
			t := time.NewTimer(time.Until(start.Add(time.Duration(k) * interval)))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case now := <-t.C:
				select {
				case c <- now:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return c, func() { cancel(); <-done }
}

// createPaced calls create(ctx, i) for i = 0..n-1, each in its own
// goroutine started on pace's schedule, and returns once all have
// returned: nil, or how many failed with the first error, or ctx's error
// if it ended before all were started.
func createPaced(ctx context.Context, n int, tick <-chan time.Time, create func(ctx context.Context, i int) error) error {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		first  error
	)
	started := pace(ctx, n, tick, func(i int) {
		wg.Go(func() {
			if err := create(ctx, i); err != nil {
				mu.Lock()
				defer mu.Unlock()
				failed++
				if first == nil {
					first = err
				}
			}
		})
	})
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("%d of %d failed, first: %w", failed, n, first)
	}
	if started < n {
		return fmt.Errorf("%d of %d started: %w", started, n, ctx.Err())
	}
	return nil
}

// pace calls start(i) for i = 0..n-1: the first at once, each next one
// after a receive from tick (a time.Ticker's channel; a test's own). It is
// upstream ClusterLoader2's qpsLoad tuning set, which starts an action in
// a goroutine and sleeps 1/qps before the next, with the sleep made an
// input: start must not block, so that a slow request does not delay the
// ones after it. pace returns how many it started; fewer than n only when
// ctx ended.
func pace(ctx context.Context, n int, tick <-chan time.Time, start func(i int)) int {
	for i := range n {
		if ctx.Err() != nil {
			return i
		}
		if i > 0 {
			select {
			case <-ctx.Done():
				return i
			case <-tick:
			}
		}
		start(i)
	}
	return n
}
