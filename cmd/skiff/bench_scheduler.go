package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/skiff-dev/skiff/internal/bench"
)

// report is what a bench subcommand prints and can write as JSON.
type report interface {
	WriteTable(io.Writer) error
	WriteJSON(io.Writer) error
}

// runBench finds this binary, runs one benchmark with it and prints the
// report (and writes it to jsonPath when set). run returns a nil report
// when nothing was measured.
func runBench(cmd *cobra.Command, jsonPath string, run func(ctx context.Context, exe string) (report, error)) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the skiff binary: %w", err)
	}
	rep, runErr := run(cmd.Context(), exe)
	if rep == nil {
		return runErr
	}
	err = rep.WriteTable(cmd.OutOrStdout())
	if jsonPath != "" {
		err = errors.Join(err, writeJSON(jsonPath, rep))
	}
	return errors.Join(runErr, err)
}

// newBenchSchedulerCommand is `skiff bench scheduler`.
func newBenchSchedulerCommand() *cobra.Command {
	var cfg bench.SchedConfig
	var jsonPath string
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Measure scheduler throughput (scheduler_perf's SchedulingBasic shape) and end-to-end pod startup on hollow nodes",
		Long: `Runs, each against a fresh ` + "`skiff server`" + ` child process (temp data dir, 127.0.0.1, a free port):

  1. scheduler-only: --perf-nodes Node objects (no kubelets), --perf-init-pods pods, then
     --perf-pods pods measured as upstream scheduler_perf's throughput collector does
     (server run with --disable-controller-manager);
  2. end-to-end: ` + "`skiff agent --simulate --nodes`" + ` as a second child, --pods pods created bare,
     then (on a new server) through one Deployment; pods/s to Running, p50/p99 startup
     latency observed through a watch, server and agent RSS at the end. These pods come
     in a burst (as fast as --workers can create them), so their startup is mostly
     queueing; with --pods-qps they come at that rate instead (bare pods one every
     1/--pods-qps s; the Deployment scaled up ten times a second). Then, while they stay, each run has a latency phase: --latency-pods pods
     created one every 1/--latency-qps s in their own namespace (bare pods, or each its
     own 1-replica Deployment in the Deployment run), waited for until Running, their
     startup measured apart. That is how upstream measures its 5 s pod startup SLO:
     ClusterLoader2's density test (perf-tests clusterloader2/testing/density/config.yaml)
     creates its latency pods after the saturation pods run, at 5/s (tuning set
     Uniform5qps), at least 500 of them.

It never fails on time. Run it inside a private network namespace:

  unshare --net sh -c 'ip link set lo up && ./bin/skiff bench scheduler'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, jsonPath, func(ctx context.Context, exe string) (report, error) {
				cfg.Binary, cfg.Progress = exe, cmd.ErrOrStderr()
				rep, err := bench.RunScheduler(ctx, cfg)
				if rep == nil {
					return nil, err
				}
				return rep, err
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.PerfNodes, "perf-nodes", 5000, "Node objects of the scheduler-only run (0: skip it)")
	f.IntVar(&cfg.PerfInitPods, "perf-init-pods", 1000, "pods scheduled before the measured ones")
	f.IntVar(&cfg.PerfPods, "perf-pods", 10000, "measured pods of the scheduler-only run")
	f.BoolVar(&cfg.PerfBacklog, "perf-backlog", false, "create the scheduler-only run's measured pods while the scheduler stands by (the bench holds its Lease), then let it schedule them: its throughput without creates beside it")
	f.IntVar(&cfg.Nodes, "nodes", 1000, "hollow nodes of the end-to-end runs (0: skip them)")
	f.IntVar(&cfg.Pods, "pods", 10000, "pods of each end-to-end run")
	f.Float64Var(&cfg.PodsQPS, "pods-qps", 0, "create the end-to-end runs' pods at this rate a second (0: in a burst, as fast as --workers go)")
	f.IntVar(&cfg.LatencyPods, "latency-pods", 100, "pods of each end-to-end run's latency phase, created at a steady rate after the others run (0: skip it; upstream's density test uses at least 500)")
	f.Float64Var(&cfg.LatencyQPS, "latency-qps", 5, "pods created a second in the latency phase (upstream's Uniform5qps)")
	f.BoolVar(&cfg.SkipBare, "skip-bare", false, "skip the end-to-end run with bare pods")
	f.BoolVar(&cfg.SkipDeployment, "skip-deployment", false, "skip the end-to-end run through a Deployment")
	f.IntVar(&cfg.Workers, "workers", 32, "client goroutines creating nodes and pods")
	f.StringVar(&cfg.ServerCPUProfile, "server-cpuprofile", "", "write a CPU profile of the server during the scheduler-only run's measured phase to this file")
	f.IntVar(&cfg.ServerCPUProfileSeconds, "server-cpuprofile-seconds", 10, "length of the server CPU profile")
	f.StringVar(&jsonPath, "json", "", "also write the report as JSON to this file")
	return cmd
}

// newBenchRolloutCommand is `skiff bench rollout`.
func newBenchRolloutCommand() *cobra.Command {
	var cfg bench.RolloutConfig
	var jsonPath string
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Measure a rolling update of a large Deployment over hollow nodes",
		Long: `Starts ` + "`skiff server`" + ` and ` + "`skiff agent --simulate --nodes`" + ` as child processes, creates a
Deployment of --replicas pods, waits until all are available, changes its image and
prints the time until the rollout completes and the worst availability and surge seen
through a pod watch. It never fails on time. Run it inside a private network namespace:

  unshare --net sh -c 'ip link set lo up && ./bin/skiff bench rollout'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, jsonPath, func(ctx context.Context, exe string) (report, error) {
				cfg.Binary, cfg.Progress = exe, cmd.ErrOrStderr()
				rep, err := bench.RunRollout(ctx, cfg)
				if rep == nil {
					return nil, err
				}
				return rep, err
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Nodes, "nodes", 100, "hollow nodes")
	f.IntVar(&cfg.Replicas, "replicas", 1000, "replicas of the Deployment")
	f.StringVar(&cfg.MaxSurge, "max-surge", "25%", "the Deployment's maxSurge (number or percentage)")
	f.StringVar(&cfg.MaxUnavailable, "max-unavailable", "25%", "the Deployment's maxUnavailable (number or percentage)")
	f.StringVar(&jsonPath, "json", "", "also write the report as JSON to this file")
	return cmd
}
