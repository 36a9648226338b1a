package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// sampleInterval is how often the throughput collector counts scheduled
// pods, as upstream scheduler_perf's (1 s).
const sampleInterval = time.Second

// PerfResult is the scheduler-only run: Node objects without kubelets,
// pods created while the scheduler binds them.
type PerfResult struct {
	Nodes    int `json:"nodes"`
	InitPods int `json:"init_pods"`
	Pods     int `json:"pods"`
	// Backlog: the pods were created first and scheduled after
	// (SchedConfig.PerfBacklog); OverallPerSec then runs from the
	// scheduler's release.
	Backlog bool `json:"backlog,omitempty"`
	// Throughput summarizes the per-second samples of scheduled pods, as
	// upstream's throughput collector does (SchedulingThroughput).
	Throughput Throughput `json:"throughput"`
	// OverallPerSec is Pods over the time from the first create sent to
	// the last pod seen scheduled.
	OverallPerSec float64 `json:"overall_pods_per_sec"`
	// CreatePerSec is the rate at which the bench created the pods.
	CreatePerSec float64 `json:"create_pods_per_sec"`
	// NodesSec is how long creating the nodes took.
	NodesSec float64 `json:"nodes_sec"`
	Server   Memory  `json:"server"`
}

// Throughput is upstream's SchedulingThroughput: the average and
// nearest-rank percentiles of the per-interval rates, in pods/s.
type Throughput struct {
	Samples int     `json:"samples"`
	Average float64 `json:"average"`
	P50     float64 `json:"perc50"`
	P90     float64 `json:"perc90"`
	P95     float64 `json:"perc95"`
	P99     float64 `json:"perc99"`
}

// summarizeThroughput sorts samples in place and summarizes them.
func summarizeThroughput(samples []float64) Throughput {
	if len(samples) == 0 {
		return Throughput{}
	}
	slices.Sort(samples)
	sum := 0.0
	for _, s := range samples {
		sum += s
	}
	at := func(p float64) float64 {
		return samples[max(int(math.Ceil(p/100*float64(len(samples))))-1, 0)]
	}
	return Throughput{Samples: len(samples), Average: sum / float64(len(samples)), P50: at(50), P90: at(90), P95: at(95), P99: at(99)}
}

// sampler counts scheduled pods every interval, as upstream's collector:
// nothing is sampled before the first pod is scheduled, the first non-zero
// sample only sets the baseline, and each further sample is the pods
// scheduled since the last one over the time since the last one.
type sampler struct {
	last     int
	lastAt   time.Time
	started  bool
	baseline int
	samples  []float64
}

// add takes one reading: scheduled pods counted at time at.
func (s *sampler) add(scheduled int, at time.Time) {
	if scheduled <= s.baseline {
		return
	}
	if !s.started {
		s.started, s.last, s.lastAt = true, scheduled, at
		return
	}
	if el := at.Sub(s.lastAt).Seconds(); el > 0 {
		s.samples = append(s.samples, float64(scheduled-s.last)/el)
	}
	s.last, s.lastAt = scheduled, at
}

// runPerf is the scheduler-only run on a server without controllers.
func runPerf(ctx context.Context, cfg *SchedConfig, srv *child) (*PerfResult, error) {
	res := &PerfResult{Nodes: cfg.PerfNodes, InitPods: cfg.PerfInitPods, Pods: cfg.PerfPods, Backlog: cfg.PerfBacklog}
	cs, err := clientFor(srv.kubeconfig, "protobuf")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "bench: create %d nodes\n", cfg.PerfNodes)
	t0 := time.Now()
	if err := createPerfNodes(ctx, cs, cfg.PerfNodes, cfg.Workers); err != nil {
		return nil, err
	}
	res.NodesSec = seconds(time.Since(t0))
	const ns = "sched-perf"
	if err := createNamespace(ctx, cs, ns); err != nil {
		return nil, err
	}
	if err := waitServiceAccount(ctx, cs, ns); err != nil {
		return nil, err
	}
	tr := newPodTracker()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if err := tr.watch(wctx, cs, ns); err != nil {
		return nil, err
	}
	mk := func(prefix string) func(int) *corev1.Pod {
		return func(i int) *corev1.Pod { return perfPod(ns, fmt.Sprintf("%s-%d", prefix, i)) }
	}
	if cfg.PerfInitPods > 0 {
		fmt.Fprintf(cfg.Progress, "bench: create %d initial pods\n", cfg.PerfInitPods)
		if _, err := createPods(ctx, cs, tr, cfg.Workers, cfg.PerfInitPods, mk("init")); err != nil {
			return nil, err
		}
		if err := waitScheduled(ctx, tr, cfg.PerfInitPods); err != nil {
			return nil, err
		}
	}
	if err := measurePerf(ctx, cfg, srv, cs, tr, mk("pod"), res); err != nil {
		return nil, err
	}
	return res, nil
}

// measurePerf is the scheduler-only run's measured phase: it creates the
// measured pods (as a backlog, with cfg.PerfBacklog), samples the
// scheduler's throughput until all are scheduled, and fills res.
func measurePerf(ctx context.Context, cfg *SchedConfig, srv *child, cs kubernetes.Interface, tr *podTracker, mk func(int) *corev1.Pod, res *PerfResult) error {
	if cfg.PerfBacklog {
		fmt.Fprintf(cfg.Progress, "bench: hold the scheduler's lease\n")
		if err := holdSchedulerLease(ctx, cs); err != nil {
			return err
		}
	}
	fmt.Fprintf(cfg.Progress, "bench: create %d measured pods\n", cfg.PerfPods)
	smp := &sampler{baseline: cfg.PerfInitPods}
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(sampleInterval)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case now := <-tick.C:
				n, _ := tr.counts()
				smp.add(n, now)
			}
		}
	}()
	// The server's profile covers the measured phase's start: the creates
	// and the scheduling beside them, or a backlog's scheduling alone.
	var profiled <-chan error
	profile := func() {
		if cfg.ServerCPUProfile != "" {
			fmt.Fprintf(cfg.Progress, "bench: server CPU profile for %ds to %s\n", cfg.ServerCPUProfileSeconds, cfg.ServerCPUProfile)
			profiled = serverProfile(ctx, srv, cfg.ServerCPUProfile, cfg.ServerCPUProfileSeconds)
		}
	}
	if !cfg.PerfBacklog {
		profile()
	}
	start := time.Now()
	out, err := createPods(ctx, cs, tr, cfg.Workers, cfg.PerfPods, mk)
	if err != nil {
		close(stopSampling)
		<-sampled
		return err
	}
	res.CreatePerSec = float64(cfg.PerfPods) / out.elapsed.Seconds()
	if cfg.PerfBacklog {
		start, err = releaseBacklog(ctx, cfg, cs, tr)
		if err != nil {
			close(stopSampling)
			<-sampled
			return err
		}
		profile()
	}
	err = waitScheduled(ctx, tr, cfg.PerfInitPods+cfg.PerfPods)
	end := time.Now()
	close(stopSampling)
	<-sampled
	if err != nil {
		return err
	}
	// The last, partial interval counts too when it is at least half an
	// interval long: the pods scheduled since the last tick over the time
	// since it.
	if end.Sub(smp.lastAt) >= sampleInterval/2 {
		smp.add(cfg.PerfInitPods+cfg.PerfPods, end)
	}
	if profiled != nil {
		if err := <-profiled; err != nil {
			return err
		}
	}
	res.Throughput = summarizeThroughput(smp.samples)
	res.OverallPerSec = float64(cfg.PerfPods) / lastScheduled(tr).Sub(start).Seconds()
	if res.Server, err = srv.memory(); err != nil {
		return err
	}
	return nil
}

// releaseBacklog checks that the scheduler stood by while the pods were
// created, gives its Lease back and returns when it did so.
func releaseBacklog(ctx context.Context, cfg *SchedConfig, cs kubernetes.Interface, tr *podTracker) (time.Time, error) {
	if s, _ := tr.counts(); s != cfg.PerfInitPods {
		return time.Time{}, fmt.Errorf("backlog: %d measured pods were scheduled while the bench held the scheduler's lease", s-cfg.PerfInitPods)
	}
	fmt.Fprintf(cfg.Progress, "bench: release the scheduler's lease\n")
	start := time.Now()
	return start, releaseSchedulerLease(ctx, cs)
}

// waitScheduled waits until the tracker has seen n pods scheduled.
func waitScheduled(ctx context.Context, tr *podTracker, n int) error {
	return waitUntil(ctx, fmt.Sprintf("%d pods scheduled", n), limitFor(n), func() (bool, string) {
		s, _ := tr.counts()
		return s >= n, fmt.Sprintf("%d scheduled", s)
	})
}

// limitFor is how long n pods may take: two minutes plus 100 ms each (a
// shared, loaded machine can fall to tens of pods/s).
func limitFor(n int) time.Duration {
	return 2*time.Minute + time.Duration(n)*100*time.Millisecond
}

// lastScheduled is the latest scheduled time the tracker saw.
func lastScheduled(tr *podTracker) time.Time {
	var last time.Time
	for _, p := range tr.snapshot() {
		if p.scheduled.After(last) {
			last = p.scheduled
		}
	}
	return last
}
