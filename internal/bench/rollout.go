package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// RolloutConfig is what one `skiff bench rollout` run measures.
type RolloutConfig struct {
	Binary string
	// Nodes is the number of hollow nodes (100).
	Nodes int
	// Replicas is the Deployment's size (1000).
	Replicas int
	// MaxSurge and MaxUnavailable are the RollingUpdate parameters
	// ("25%", upstream's defaults).
	MaxSurge, MaxUnavailable string
	Progress                 io.Writer
}

func (c *RolloutConfig) validate() error {
	if c.Binary == "" {
		return errors.New("no skiff binary to start")
	}
	if c.Nodes == 0 {
		c.Nodes = 100
	}
	if c.Replicas == 0 {
		c.Replicas = 1000
	}
	if c.Nodes < 1 || c.Replicas < 1 {
		return fmt.Errorf("nodes %d, replicas %d: want >= 1", c.Nodes, c.Replicas)
	}
	if c.MaxSurge == "" {
		c.MaxSurge = "25%"
	}
	if c.MaxUnavailable == "" {
		c.MaxUnavailable = "25%"
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

// RolloutReport is what a rollout run measured. The bounds are upstream's:
// available pods never below Replicas-MaxUnavailable, pods (not
// terminating) never above Replicas+MaxSurge.
type RolloutReport struct {
	CPUs           int     `json:"cpus"`
	LoadBefore     float64 `json:"load_before"`
	LoadAfter      float64 `json:"load_after"`
	Nodes          int     `json:"nodes"`
	Replicas       int     `json:"replicas"`
	MaxSurge       int     `json:"max_surge"`
	MaxUnavailable int     `json:"max_unavailable"`
	// CreateSec is the time from creating the Deployment to all replicas
	// available.
	CreateSec float64 `json:"create_sec"`
	// RolloutSec is the time from the image change to the rollout
	// complete (what `kubectl rollout status` waits for) with no old pod
	// left but terminating ones.
	RolloutSec float64 `json:"rollout_sec"`
	// MinAvailable and MaxActive are the extremes seen through the pod
	// watch during the rollout; MaxAll counts terminating pods too.
	MinAvailable int    `json:"min_available"`
	MaxActive    int    `json:"max_active"`
	MaxAll       int    `json:"max_all"`
	Server       Memory `json:"server"`
	Agent        Memory `json:"agent"`
}

// RunRollout starts a server and `skiff agent --simulate Nodes`, creates a
// Deployment of Replicas pods, waits until it is available, changes its
// image and measures the rollout.
func RunRollout(ctx context.Context, cfg RolloutConfig) (*RolloutReport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	surge, unavailable, err := resolveBounds(cfg)
	if err != nil {
		return nil, err
	}
	rep := &RolloutReport{CPUs: runtime.NumCPU(), LoadBefore: loadAverage(), Nodes: cfg.Nodes, Replicas: cfg.Replicas,
		MaxSurge: surge, MaxUnavailable: unavailable}
	defer func() { rep.LoadAfter = loadAverage() }()
	dir, err := os.MkdirTemp("", "skiff-bench-rollout-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(cfg.Progress, "bench: start %s server in %s\n", cfg.Binary, dir)
	srv, err := startServer(ctx, cfg.Binary, dir)
	if err != nil {
		return nil, err
	}
	err = rollout(ctx, &cfg, srv, dir, rep)
	return rep, errors.Join(err, srv.stop())
}

// resolveBounds resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) as upstream does.
func resolveBounds(cfg RolloutConfig) (surge, unavailable int, err error) {
	s, u := intstr.Parse(cfg.MaxSurge), intstr.Parse(cfg.MaxUnavailable)
	if surge, err = intstr.GetScaledValueFromIntOrPercent(&s, cfg.Replicas, true); err != nil {
		return 0, 0, fmt.Errorf("max surge: %w", err)
	}
	if unavailable, err = intstr.GetScaledValueFromIntOrPercent(&u, cfg.Replicas, false); err != nil {
		return 0, 0, fmt.Errorf("max unavailable: %w", err)
	}
	return surge, unavailable, nil
}

func rollout(ctx context.Context, cfg *RolloutConfig, srv *child, dir string, rep *RolloutReport) error {
	cs, err := clientFor(srv.kubeconfig, "protobuf")
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Progress, "bench: start %d hollow nodes\n", cfg.Nodes)
	agent, err := startAgent(ctx, cfg.Binary, dir, srv.kubeconfig, cs, cfg.Nodes)
	if err != nil {
		return err
	}
	err = measureRollout(ctx, cfg, cs, rep)
	if err == nil {
		rep.Server, err = srv.memory()
	}
	if err == nil {
		rep.Agent, err = agent.memory()
	}
	return errors.Join(err, agent.stop())
}

func measureRollout(ctx context.Context, cfg *RolloutConfig, cs kubernetes.Interface, rep *RolloutReport) error {
	const ns, name = "rollout", "web"
	tr, stopWatch, err := trackNewNamespace(ctx, cs, ns)
	if err != nil {
		return err
	}
	defer stopWatch()
	d := benchDeployment(ns, name, int32(cfg.Replicas), map[string]string{"app": name})
	s, u := intstr.Parse(cfg.MaxSurge), intstr.Parse(cfg.MaxUnavailable)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u}}
	fmt.Fprintf(cfg.Progress, "bench: create deployment of %d replicas\n", cfg.Replicas)
	t0 := time.Now()
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	if err := waitRolledOut(ctx, cs, tr, ns, name, cfg.Replicas); err != nil {
		return err
	}
	rep.CreateSec = seconds(time.Since(t0))

	tr.mu.Lock()
	rep.MinAvailable, rep.MaxActive, rep.MaxAll = tr.available, tr.active, len(tr.states)
	tr.onChange = func(available, active, all int) {
		rep.MinAvailable = min(rep.MinAvailable, available)
		rep.MaxActive = max(rep.MaxActive, active)
		rep.MaxAll = max(rep.MaxAll, all)
	}
	tr.mu.Unlock()
	fmt.Fprintf(cfg.Progress, "bench: roll to a new image\n")
	patch := []byte(`[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.k8s.io/pause:3.10.2"}]`)
	t1 := time.Now()
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, name, types.JSONPatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("set image: %w", err)
	}
	err = waitRolledOut(ctx, cs, tr, ns, name, cfg.Replicas)
	rep.RolloutSec = seconds(time.Since(t1))
	tr.mu.Lock()
	tr.onChange = nil
	tr.mu.Unlock()
	return err
}

// waitRolledOut waits for what `kubectl rollout status` waits for, and for
// the watch to show replicas pods, none of them old and live.
func waitRolledOut(ctx context.Context, cs kubernetes.Interface, tr *podTracker, ns, name string, replicas int) error {
	return waitUntil(ctx, "deployment rolled out", limitFor(replicas*3), func() (bool, string) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		st := d.Status
		tr.mu.Lock()
		available, active := tr.available, tr.active
		tr.mu.Unlock()
		r := int32(replicas)
		done := st.ObservedGeneration >= d.Generation && st.UpdatedReplicas == r && st.Replicas == r && st.AvailableReplicas == r &&
			active == replicas && available == replicas
		return done, fmt.Sprintf("status updated %d, replicas %d, available %d; watch: %d live, %d available",
			st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, active, available)
	})
}

// Goals is the issue 5 goal: the rollout under 30 s, within its bounds.
func (r *RolloutReport) Goals() []Goal {
	minAvail, maxTotal := r.Replicas-r.MaxUnavailable, r.Replicas+r.MaxSurge
	return []Goal{
		{Goal: fmt.Sprintf("rollout of %d replicas over %d nodes < 30 s", r.Replicas, r.Nodes),
			Measured: fmt.Sprintf("%.1f s", r.RolloutSec), Met: r.RolloutSec > 0 && r.RolloutSec < 30},
		{Goal: fmt.Sprintf("available never below %d (replicas - maxUnavailable)", minAvail),
			Measured: fmt.Sprintf("min %d", r.MinAvailable), Met: r.MinAvailable >= minAvail},
		{Goal: fmt.Sprintf("pods never above %d (replicas + maxSurge)", maxTotal),
			Measured: fmt.Sprintf("max %d (with terminating ones: %d)", r.MaxActive, r.MaxAll), Met: r.MaxActive <= maxTotal},
	}
}

// WriteTable prints the report as text.
func (r *RolloutReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "rollout: %d replicas over %d hollow nodes, maxSurge %d, maxUnavailable %d\n", r.Replicas, r.Nodes, r.MaxSurge, r.MaxUnavailable)
	fmt.Fprintf(w, "  create to all available: %.1f s; image change to rollout complete: %.1f s\n", r.CreateSec, r.RolloutSec)
	fmt.Fprintf(w, "  during the rollout: available min %d, live pods max %d, with terminating pods max %d\n", r.MinAvailable, r.MaxActive, r.MaxAll)
	fmt.Fprintf(w, "  server: %s; agent: %s\n", r.Server, r.Agent)
	fmt.Fprintf(w, "\nmachine: %d CPUs, load average %.2f before and %.2f after the run\n\n", r.CPUs, r.LoadBefore, r.LoadAfter)
	return writeGoals(w, r.Goals())
}

// WriteJSON writes the report as indented JSON.
func (r *RolloutReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
