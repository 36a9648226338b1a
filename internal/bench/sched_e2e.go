package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// E2EResult is one end-to-end run: hollow nodes in a `skiff agent` child,
// pods created (bare, or by one Deployment) until all are Running.
type E2EResult struct {
	Mode  string `json:"mode"` // "bare" or "deployment"
	Nodes int    `json:"nodes"`
	Pods  int    `json:"pods"`
	// Running is how many pods were seen Running.
	Running int `json:"running"`
	// PodsPerSec is Pods over the time from the first create sent (the
	// Deployment's, for mode deployment) to the last pod seen Running.
	PodsPerSec float64 `json:"pods_per_sec"`
	// Startup is pod startup latency as upstream's SLI: from creation to
	// Running observed through a watch. Creation is when the bench sent
	// the create request; for Deployment pods, when the watch first
	// delivered the pod.
	StartupP50Ms float64 `json:"startup_p50_ms"`
	StartupP99Ms float64 `json:"startup_p99_ms"`
	StartupMaxMs float64 `json:"startup_max_ms"`
	// ScheduleP99Ms is the part of it until the pod was seen bound.
	ScheduleP99Ms float64 `json:"schedule_p99_ms"`
	// BoundToRunning is the kubelet's part: from the pod seen bound to it
	// seen Running, both through the bench's watch.
	BoundToRunningP50Ms float64 `json:"bound_to_running_p50_ms"`
	BoundToRunningP99Ms float64 `json:"bound_to_running_p99_ms"`
	// LatencyPods is how many pods the latency phase created after the
	// Pods above were all Running (0: no latency phase), at LatencyQPS a
	// second, in their own namespace (sched_latency.go). Their startup
	// and bound p99 are measured as the figures above, on these pods only;
	// LatencyRunning is how many of them were seen Running.
	LatencyPods          int     `json:"latency_pods"`
	LatencyQPS           float64 `json:"latency_qps"`
	LatencyRunning       int     `json:"latency_running"`
	LatencyStartupP50Ms  float64 `json:"latency_startup_p50_ms"`
	LatencyStartupP99Ms  float64 `json:"latency_startup_p99_ms"`
	LatencyStartupMaxMs  float64 `json:"latency_startup_max_ms"`
	LatencyScheduleP99Ms float64 `json:"latency_schedule_p99_ms"`
	// NodesReadySec is from exec of the agent to all nodes Ready.
	NodesReadySec float64 `json:"nodes_ready_sec"`
	// Server and Agent are the memory of both processes at the end.
	Server Memory `json:"server"`
	Agent  Memory `json:"agent"`
}

// runE2E starts the hollow nodes and runs one end-to-end mode against srv:
// the saturation pods, then the latency phase while they stay.
func runE2E(ctx context.Context, cfg *SchedConfig, srv *child, dir, mode string) (*E2EResult, error) {
	res := &E2EResult{Mode: mode, Nodes: cfg.Nodes, Pods: cfg.Pods}
	cs, err := clientFor(srv.kubeconfig, "protobuf")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "bench: start %d hollow nodes\n", cfg.Nodes)
	agent, err := startAgent(ctx, cfg.Binary, dir, srv.kubeconfig, cs, cfg.Nodes)
	if err != nil {
		return nil, err
	}
	res.NodesReadySec = seconds(agent.ready)
	err = startPods(ctx, cfg, cs, mode, res)
	if err == nil && cfg.LatencyPods > 0 {
		err = startLatencyPods(ctx, cfg, cs, mode, res)
	}
	if err == nil {
		res.Server, err = srv.memory()
	}
	if err == nil {
		res.Agent, err = agent.memory()
	}
	return res, errors.Join(err, agent.stop())
}

// startPods creates the pods of one mode and waits for them to run.
func startPods(ctx context.Context, cfg *SchedConfig, cs kubernetes.Interface, mode string, res *E2EResult) error {
	const ns = "sched-e2e"
	tr, stopWatch, err := trackNewNamespace(ctx, cs, ns)
	if err != nil {
		return err
	}
	defer stopWatch()
	labels := map[string]string{"app": "bench"}
	fmt.Fprintf(cfg.Progress, "bench: start %d pods (%s)\n", cfg.Pods, mode)
	start := time.Now()
	switch mode {
	case "bare":
		if _, err := createPods(ctx, cs, tr, cfg.Workers, cfg.Pods, func(i int) *corev1.Pod {
			return hollowPod(ns, fmt.Sprintf("pod-%d", i), labels)
		}); err != nil {
			return err
		}
	case "deployment":
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, benchDeployment(ns, "bench", int32(cfg.Pods), labels), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create deployment: %w", err)
		}
	default:
		return fmt.Errorf("mode %q: want bare or deployment", mode)
	}
	err = waitUntil(ctx, fmt.Sprintf("%d pods Running", cfg.Pods), limitFor(cfg.Pods), func() (bool, string) {
		s, r := tr.counts()
		return r >= cfg.Pods, fmt.Sprintf("%d scheduled, %d running", s, r)
	})
	startupStats(tr.snapshot(), start, res)
	fmt.Fprintf(cfg.Progress, "bench: bound to Running p50 %.0f ms, p99 %.0f ms\n", res.BoundToRunningP50Ms, res.BoundToRunningP99Ms)
	return err
}

// startupStats fills the latency and rate figures of res from the pods'
// times; start is when the first create was sent.
func startupStats(pods []podTimes, start time.Time, res *E2EResult) {
	f := startupOf(pods)
	res.Running = f.running
	res.StartupP50Ms, res.StartupP99Ms, res.StartupMaxMs = millis(f.startup.P50), millis(f.startup.P99), millis(f.startup.Max)
	res.ScheduleP99Ms = millis(f.schedule.P99)
	res.BoundToRunningP50Ms, res.BoundToRunningP99Ms = millis(f.boundToRunning.P50), millis(f.boundToRunning.P99)
	if el := f.lastRunning.Sub(start); el > 0 {
		res.PodsPerSec = float64(res.Running) / el.Seconds()
	}
}

// startupFigures is what the pods seen Running of one set took: startup
// (creation to Running), its part until bound (schedule) and the rest
// (boundToRunning).
type startupFigures struct {
	running                           int
	startup, schedule, boundToRunning Summary
	lastRunning                       time.Time
}

// startupOf summarizes the startups of the pods seen Running.
func startupOf(pods []podTimes) startupFigures {
	var startup, sched, run []time.Duration
	var f startupFigures
	for _, p := range pods {
		if p.running.IsZero() {
			continue
		}
		startup = append(startup, p.running.Sub(p.created()))
		if !p.scheduled.IsZero() {
			sched = append(sched, p.scheduled.Sub(p.created()))
			run = append(run, p.running.Sub(p.scheduled))
		}
		if p.running.After(f.lastRunning) {
			f.lastRunning = p.running
		}
	}
	f.running = len(startup)
	f.startup, f.schedule, f.boundToRunning = Summarize(startup), Summarize(sched), Summarize(run)
	return f
}

// benchDeployment is a Deployment of replicas hollow pods.
func benchDeployment(ns, name string, replicas int32, labels map[string]string) *appsv1.Deployment {
	pod := hollowPod(ns, "", labels)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod.Spec},
		},
	}
}
