package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"runtime"
	"time"
)

// SchedConfig is what one `skiff bench scheduler` run measures. Zero
// fields take the defaults validate names.
type SchedConfig struct {
	// Binary is the skiff executable started as `Binary server` and
	// `Binary agent`.
	Binary string
	// PerfNodes, PerfInitPods and PerfPods shape the scheduler-only run as
	// upstream scheduler_perf's SchedulingBasic/5000Nodes_10000Pods
	// (5000, 1000, 10000). PerfNodes 0 skips that run.
	PerfNodes, PerfInitPods, PerfPods int
	// PerfBacklog creates the measured pods while the scheduler stands
	// by, then lets it schedule them (sched_backlog.go): the scheduler's
	// throughput without creates beside it.
	PerfBacklog bool
	// Nodes is the number of hollow nodes of the end-to-end runs (1000);
	// 0 skips them.
	Nodes int
	// Pods is the number of pods each end-to-end run starts (10000).
	Pods int
	// PodsQPS, if above 0, is the rate at which those pods are created:
	// bare pods one every 1/PodsQPS seconds, a Deployment scaled up in ten
	// steps a second. 0 creates them in a burst, as fast as Workers go
	// (a Deployment of Pods replicas at once), which saturates the machine.
	PodsQPS float64
	// SkipBare and SkipDeployment leave out one of the end-to-end runs.
	SkipBare, SkipDeployment bool
	// LatencyPods is how many pods the latency phase of each end-to-end
	// run starts once its Pods are Running (the flag's default is 100; 0
	// skips the phase), one every 1/LatencyQPS seconds (5; must be above
	// 0 when LatencyPods is). It is upstream ClusterLoader2's density test,
	// which measures the pod startup SLO on such pods (sched_latency.go).
	LatencyPods int
	LatencyQPS  float64
	// Workers is how many goroutines create pods and nodes (32).
	Workers int
	// ServerCPUProfile, if set, is where the scheduler-only run writes a
	// CPU profile of the server taken over the first
	// ServerCPUProfileSeconds (10) of the measured phase.
	ServerCPUProfile        string
	ServerCPUProfileSeconds int
	// Progress, if set, receives one line per phase.
	Progress io.Writer
}

func (c *SchedConfig) validate() error {
	if c.Binary == "" {
		return errors.New("no skiff binary to start")
	}
	if c.Workers == 0 {
		c.Workers = 32
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"perf nodes", c.PerfNodes}, {"perf init pods", c.PerfInitPods}, {"perf pods", c.PerfPods}, {"nodes", c.Nodes}, {"pods", c.Pods}, {"latency pods", c.LatencyPods}, {"workers", c.Workers}} {
		if v.n < 0 {
			return fmt.Errorf("%s %d: must not be negative", v.name, v.n)
		}
	}
	if c.PerfNodes > 0 && c.PerfPods == 0 {
		return fmt.Errorf("perf pods 0 with %d perf nodes: want pods to measure", c.PerfNodes)
	}
	if c.Nodes > 0 && c.Pods == 0 {
		return fmt.Errorf("pods 0 with %d hollow nodes: want pods to start", c.Nodes)
	}
	if c.PodsQPS < 0 || (c.PodsQPS > 0 && paceInterval(c.PodsQPS) <= 0) {
		return fmt.Errorf("pods qps %v: want 0 (a burst) or a rate above 0 and at most one pod a nanosecond", c.PodsQPS)
	}
	if c.LatencyPods > 0 && !(c.LatencyQPS > 0) {
		return fmt.Errorf("latency qps %v with %d latency pods: want a rate above 0", c.LatencyQPS, c.LatencyPods)
	}
	if c.LatencyPods > 0 && paceInterval(c.LatencyQPS) <= 0 {
		return fmt.Errorf("latency qps %v: want at most one pod a nanosecond", c.LatencyQPS)
	}
	if c.Workers < 1 {
		return fmt.Errorf("workers %d: want >= 1", c.Workers)
	}
	if _, err := clusterCIDRFlags(c.Nodes); err != nil {
		return err
	}
	if c.ServerCPUProfileSeconds < 0 {
		return fmt.Errorf("server cpu profile seconds %d: must not be negative", c.ServerCPUProfileSeconds)
	}
	if c.ServerCPUProfileSeconds == 0 {
		c.ServerCPUProfileSeconds = 10
	}
	if c.ServerCPUProfile != "" && c.PerfNodes == 0 {
		return fmt.Errorf("server cpu profile %s: only the scheduler-only run takes one, and perf nodes is 0", c.ServerCPUProfile)
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

// RunScheduler runs the scheduler-only measurement and the end-to-end runs
// (each on a fresh server in its own temp dir) and returns what they
// measured, together with the first error.
func RunScheduler(ctx context.Context, cfg SchedConfig) (*SchedReport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rep := &SchedReport{CPUs: runtime.NumCPU(), LoadBefore: loadAverage(), Workers: cfg.Workers}
	defer func() { rep.LoadAfter = loadAverage() }()
	if cfg.PerfNodes > 0 {
		flags := []string{"--disable-controller-manager"}
		if cfg.PerfBacklog {
			more, remove, err := backlogFlags()
			if err != nil {
				return rep, err
			}
			defer remove()
			flags = append(flags, more...)
		}
		perf, err := withServer(ctx, cfg, flags, func(srv *child, dir string) (*PerfResult, error) {
			return runPerf(ctx, &cfg, srv)
		})
		rep.Perf = perf
		if err != nil {
			return rep, fmt.Errorf("scheduler-only run: %w", err)
		}
	}
	if cfg.Nodes == 0 {
		return rep, nil
	}
	for _, mode := range []string{"bare", "deployment"} {
		if (mode == "bare" && cfg.SkipBare) || (mode == "deployment" && cfg.SkipDeployment) {
			continue
		}
		flags, _ := clusterCIDRFlags(cfg.Nodes) // checked by validate
		res, err := withServer(ctx, cfg, flags, func(srv *child, dir string) (*E2EResult, error) {
			return runE2E(ctx, &cfg, srv, dir, mode)
		})
		if res != nil {
			rep.E2E = append(rep.E2E, *res)
		}
		if err != nil {
			return rep, fmt.Errorf("end-to-end run (%s): %w", mode, err)
		}
	}
	return rep, nil
}

// clusterCIDRFlags sizes the end-to-end server's pod network for nodes
// hollow nodes, as an operator sizes a real cluster's: the default
// 10.42.0.0/16 holds 256 node ranges of /24, and a node left without one
// has no spec.podCIDR (the node IPAM controller reports
// CIDRNotAvailable). Larger clusters get 10.64.0.0/N, N the longest
// prefix that holds them (at most 16,384 nodes, /10).
func clusterCIDRFlags(nodes int) ([]string, error) {
	if nodes <= 1<<(24-16) {
		return nil, nil
	}
	prefix := 24 - bits.Len(uint(nodes-1))
	if prefix < 10 {
		return nil, fmt.Errorf("nodes %d: the bench's pod network holds at most %d", nodes, 1<<(24-10))
	}
	return []string{"--cluster-cidr", fmt.Sprintf("10.64.0.0/%d", prefix)}, nil
}

// withServer starts a server in a fresh temp dir, runs fn, stops the
// server and removes the dir.
func withServer[T any](ctx context.Context, cfg SchedConfig, flags []string, fn func(srv *child, dir string) (T, error)) (T, error) {
	var zero T
	dir, err := os.MkdirTemp("", "skiff-bench-sched-")
	if err != nil {
		return zero, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(cfg.Progress, "bench: start %s server in %s %v\n", cfg.Binary, dir, flags)
	srv, err := startServer(ctx, cfg.Binary, dir, flags...)
	if err != nil {
		return zero, err
	}
	out, err := fn(srv, dir)
	return out, errors.Join(err, srv.stop())
}

// since is a duration in seconds, for reports.
func seconds(d time.Duration) float64 { return d.Seconds() }
