package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// fanoutTimeout bounds how long the fan-out row waits for its events.
const fanoutTimeout = 30 * time.Second

// Run starts a server, measures it as the package comment describes, stops
// it and removes its temp dir. It returns what it measured even when a
// later phase failed, together with that error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	defer setClientGC(cfg.ClientGOGC)()
	dir, err := os.MkdirTemp("", "skiff-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	rep := &Report{Workers: cfg.Workers, Wire: cfg.Wire, Rate: cfg.Rate, ClientGOGC: cfg.ClientGOGC, CPUs: runtime.NumCPU(), LoadBefore: loadAverage()}
	defer func() { rep.LoadAfter = loadAverage() }()
	fmt.Fprintf(cfg.Progress, "bench: start %s server in %s\n", cfg.Binary, dir)
	srv, err := startServer(ctx, cfg.Binary, dir)
	if err != nil {
		return nil, err
	}
	err = measure(ctx, &cfg, srv, rep)
	if stopErr := srv.stop(); err == nil {
		err = stopErr
	}
	if err != nil || cfg.SkipRestart || rep.Pods == 0 {
		return rep, err
	}
	fmt.Fprintf(cfg.Progress, "bench: restart the server with %d pods stored\n", rep.Pods)
	srv, err = startServer(ctx, cfg.Binary, dir)
	if err != nil {
		// A failed restart is a finding, not a failed benchmark.
		rep.RestartError = err.Error()
		return rep, nil
	}
	rep.RestartReadyMs = millis(srv.ready)
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Settle):
	}
	rep.Restart, err = srv.memory()
	return rep, errors.Join(err, srv.stop())
}

// loadedQuietLimit bounds the wait for the server to go quiet after the
// pods are stored.
const loadedQuietLimit = 120 * time.Second

// measure runs every phase against a started server.
func measure(ctx context.Context, cfg *Config, srv *child, rep *Report) error {
	rep.ReadyMs = millis(srv.ready)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(cfg.Settle):
	}
	var err error
	if rep.Idle, err = srv.memory(); err != nil {
		return err
	}

	cs, err := clientFor(srv.kubeconfig, cfg.Wire)
	if err != nil {
		return err
	}
	if cfg.RBACObjects >= 0 {
		if err := setupRBAC(ctx, cs, cfg.RBACObjects, func(s string) { fmt.Fprintln(cfg.Progress, s) }); err != nil {
			return err
		}
		if cs, err = clientAs(srv.kubeconfig, cfg.Wire, benchUser); err != nil {
			return err
		}
	}
	cleanup, err := clientFor(srv.kubeconfig, "json")
	if err != nil {
		return err
	}
	for _, size := range cfg.Sizes {
		rows, err := crudRows(ctx, cs, cleanup, cfg, size, srv.cpuTime)
		rep.Ops = append(rep.Ops, rows...)
		if err != nil {
			return err
		}
	}
	if cfg.Watchers > 0 {
		fmt.Fprintf(cfg.Progress, "bench: watch fan-out to %d watchers\n", cfg.Watchers)
		if rep.Fanout, err = fanout(ctx, cs, cfg.Watchers, fanoutTimeout); err != nil {
			return err
		}
	}
	if cfg.Objects > 0 {
		var profiled <-chan error
		if cfg.ServerCPUProfile != "" {
			fmt.Fprintf(cfg.Progress, "bench: server CPU profile for %ds to %s\n", cfg.ServerCPUProfileSeconds, cfg.ServerCPUProfile)
			profiled = serverProfile(ctx, srv, cfg.ServerCPUProfile, cfg.ServerCPUProfileSeconds)
		}
		row, err := fillPods(ctx, cs, cfg, cfg.Objects)
		if err != nil {
			return err
		}
		if profiled != nil {
			if err := <-profiled; err != nil {
				return err
			}
		}
		rep.Ops = append(rep.Ops, row)
		rep.Pods = cfg.Objects
		if rep.LoadedAtFill, err = srv.memory(); err != nil {
			return err
		}
		waited, quiet := srv.waitQuiet(ctx, time.Second, loadedQuietLimit)
		rep.LoadedWaitMs, rep.LoadedQuiet = millis(waited), quiet
		if rep.Loaded, err = srv.memory(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.Rest):
		}
		rep.LoadedRestMs = millis(cfg.Rest)
		if rep.LoadedRest, err = srv.memory(); err != nil {
			return err
		}
		if cfg.ServerHeapProfile != "" {
			fmt.Fprintf(cfg.Progress, "bench: server heap profile to %s\n", cfg.ServerHeapProfile)
			if err := fetchHeapProfile(ctx, srv, cfg.ServerHeapProfile); err != nil {
				return err
			}
		}
	}
	return nil
}

// clientFor builds a clientset from the server's admin kubeconfig with
// client-side rate limiting off.
func clientFor(kubeconfig, wire string) (*kubernetes.Clientset, error) {
	return clientAs(kubeconfig, wire, "")
}

// clientAs is clientFor impersonating user (the admin's own identity when
// empty).
func clientAs(kubeconfig, wire, user string) (*kubernetes.Clientset, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", kubeconfig, err)
	}
	rc.QPS = -1 // negative: no client-side rate limiter
	rc.Burst = 0
	rc.UserAgent = "skiff-bench"
	rc.Impersonate.UserName = user
	if wire == "json" {
		// Typed clients speak protobuf unless the config names a type.
		rc.ContentType = "application/json"
		rc.AcceptContentTypes = "application/json"
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return cs, nil
}

// loadAverage is the one-minute load average, or -1 when unknown.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return -1
	}
	return v
}
