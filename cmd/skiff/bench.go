package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/skiff-dev/skiff/internal/bench"
)

// newBenchCommand is `skiff bench`, the benchmark harness.
func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark Skiff; prints a table and can write JSON",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newBenchAPICommand(), newBenchSchedulerCommand(), newBenchRolloutCommand())
	return cmd
}

// newBenchAPICommand maps flags to a bench.Config and runs it against a
// `skiff server` child of this very binary.
func newBenchAPICommand() *cobra.Command {
	var cfg bench.Config
	var jsonPath, cpuProfile string
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Measure API latency, watch fan-out, memory and startup of a real skiff server",
		Long: `Starts ` + "`skiff server`" + ` as a child process (temp data dir, 127.0.0.1, a free port),
drives it with client-go over HTTPS and prints p50/p99 latency and throughput per
operation, watch fan-out delay, server RSS and time to ready. It never fails on time.
Run it inside a private network namespace:

  unshare --net sh -c 'ip link set lo up && ./bin/skiff bench api'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			return runBench(cmd, jsonPath, func(ctx context.Context, exe string) (report, error) {
				cfg.Binary, cfg.Progress = exe, cmd.ErrOrStderr()
				rep, err := bench.Run(ctx, cfg)
				if rep == nil {
					return nil, err
				}
				return rep, err
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Objects, "objects", 10000, "pods stored for the RSS figure (0: skip)")
	f.IntVar(&cfg.Watchers, "watchers", 1000, "watches in the fan-out row (0: skip)")
	f.IntVar(&cfg.Workers, "workers", 8, "concurrent client workers per row")
	f.IntVar(&cfg.Count, "count", 1000, "operations per create/get/update/delete row")
	f.IntVar(&cfg.ListCount, "list-count", 200, "operations per list row")
	f.DurationVar(&cfg.Duration, "duration", 0, "run every row for this long instead of a count")
	f.Float64Var(&cfg.Rate, "rate", 0, "pace every row at this many operations a second, timing each from when it was due (0: as fast as the workers go)")
	f.IntSliceVar(&cfg.Sizes, "sizes", []int{1, 100, 5000}, "namespace sizes (ConfigMaps) the CRUD rows run against")
	f.StringVar(&cfg.Wire, "wire", "protobuf", "what the client speaks: protobuf (client-go's default) or json (kubectl's)")
	f.IntVar(&cfg.ClientGOGC, "client-gogc", -1, "the bench process's own GOGC while it measures (-1: collector off until its heap reaches 512 MiB; 100: Go's default); the server keeps its own")
	f.BoolVar(&cfg.SkipRestart, "skip-restart", false, "skip the restart with the pods stored")
	f.IntVar(&cfg.RBACObjects, "rbac-objects", -1, "with N >= 0: store N Roles and RoleBindings and run the rows as a non-admin user RBAC authorizes (-1: the admin client)")
	f.StringVar(&jsonPath, "json", "", "also write the report as JSON to this file")
	f.StringVar(&cfg.ServerCPUProfile, "server-cpuprofile", "", "write a CPU profile of the server, taken while the pods are stored, to this file")
	f.IntVar(&cfg.ServerCPUProfileSeconds, "server-cpuprofile-seconds", 5, "length of the server CPU profile (--server-cpuprofile) in seconds")
	f.StringVar(&cfg.ServerHeapProfile, "server-heapprofile", "", "write a heap profile of the server, taken after the pods are stored, to this file")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the bench (client) process to this file")
	return cmd
}

func writeJSON(path string, rep interface{ WriteJSON(io.Writer) error }) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("--json: %w", err)
	}
	return f.Close()
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
