package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// E2EResult is one end-to-end run: hollow nodes in a `skiff agent` child,
// pods created (bare, or by one Deployment) until all are Running.
type E2EResult struct {
	Mode  string `json:"mode"` // "bare" or "deployment"
	Nodes int    `json:"nodes"`
	Pods  int    `json:"pods"`
	// PodsQPS is the rate the pods were created at (SchedConfig.PodsQPS);
	// 0 for a burst.
	PodsQPS float64 `json:"pods_qps,omitempty"`
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
	// SentToSeen is, for the pods the bench created itself (bare), from
	// the create request sent to the bench's watch delivering the pod:
	// the create's latency and the watch's delay. SeenToBound is from
	// that delivery to the pod seen bound: the scheduler's informer delay,
	// queue wait, cycle and binding, and the watch's delay again. With
	// BoundToRunning they show where a startup goes.
	SentToSeenP50Ms  float64 `json:"sent_to_seen_p50_ms,omitempty"`
	SentToSeenP99Ms  float64 `json:"sent_to_seen_p99_ms,omitempty"`
	SeenToBoundP50Ms float64 `json:"seen_to_bound_p50_ms"`
	SeenToBoundP99Ms float64 `json:"seen_to_bound_p99_ms"`
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
	// CPUMsPerPod is the CPU time (user + system) the server, the agent
	// and the bench itself spent from the first create to the last pod
	// seen Running, per pod: on a saturated machine throughput follows
	// it, and it varies less from run to run than throughput.
	CPUMsPerPod CPUShares `json:"cpu_ms_per_pod"`
	// NodesReadySec is from exec of the agent to all nodes Ready.
	NodesReadySec float64 `json:"nodes_ready_sec"`
	// ClosedWatches counts, per resource, the watches the server closed
	// during the run because they fell too far behind (their clients
	// watched again); resources with none are left out.
	ClosedWatches map[string]int `json:"closed_watches,omitempty"`
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
	before := cpuNow(srv, agent)
	err = startPods(ctx, cfg, cs, mode, res)
	res.CPUMsPerPod = cpuNow(srv, agent).since(before, cfg.Pods)
	if err == nil && cfg.LatencyPods > 0 {
		err = startLatencyPods(ctx, cfg, cs, mode, res)
	}
	if err == nil {
		res.ClosedWatches, err = closedWatches(ctx, cs)
	}
	if err == nil {
		res.Server, err = srv.memory()
	}
	if err == nil {
		res.Agent, err = agent.memory()
	}
	return res, errors.Join(err, agent.stop())
}

// CPUShares is CPU time per pod of the three processes of a run, in ms.
type CPUShares struct {
	Server float64 `json:"server"`
	Agent  float64 `json:"agent"`
	Bench  float64 `json:"bench"`
}

// cpuTimes are the three processes' CPU times at one moment.
type cpuTimes struct{ server, agent, bench time.Duration }

func cpuNow(srv, agent *child) cpuTimes {
	return cpuTimes{server: srv.cpuTime(), agent: agent.cpuTime(), bench: selfCPUTime()}
}

// since is the CPU each process spent from before to t, per pod of pods.
func (t cpuTimes) since(before cpuTimes, pods int) CPUShares {
	if pods <= 0 {
		return CPUShares{}
	}
	per := func(a, b time.Duration) float64 { return float64(a-b) / float64(time.Millisecond) / float64(pods) }
	return CPUShares{Server: per(t.server, before.server), Agent: per(t.agent, before.agent), Bench: per(t.bench, before.bench)}
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
	res.PodsQPS = cfg.PodsQPS
	if cfg.PodsQPS > 0 {
		fmt.Fprintf(cfg.Progress, "bench: start %d pods (%s) at %g/s\n", cfg.Pods, mode, cfg.PodsQPS)
	} else {
		fmt.Fprintf(cfg.Progress, "bench: start %d pods (%s)\n", cfg.Pods, mode)
	}
	start := time.Now()
	if err := createE2EPods(ctx, cfg, cs, tr, ns, mode, labels); err != nil {
		return err
	}
	if cfg.PodsQPS > 0 {
		fmt.Fprintf(cfg.Progress, "bench: pods created in %.1f s (paced: %.1f s)\n", time.Since(start).Seconds(), float64(cfg.Pods-1)/cfg.PodsQPS)
	}
	err = waitUntil(ctx, fmt.Sprintf("%d pods Running", cfg.Pods), limitFor(cfg.Pods), func() (bool, string) {
		s, r := tr.counts()
		return r >= cfg.Pods, fmt.Sprintf("%d scheduled, %d running", s, r)
	})
	startupStats(tr.snapshot(), start, res)
	fmt.Fprintf(cfg.Progress, "bench: bound to Running p50 %.0f ms, p99 %.0f ms\n", res.BoundToRunningP50Ms, res.BoundToRunningP99Ms)
	return err
}

// createE2EPods creates the cfg.Pods pods of one run in namespace ns: in
// a burst (cfg.PodsQPS 0; bare pods with cfg.Workers goroutines, or one
// Deployment of cfg.Pods replicas) or at cfg.PodsQPS a second (bare pods
// one every 1/PodsQPS s; a Deployment created with the first tenth of a
// second's replicas and scaled up ten times a second).
func createE2EPods(ctx context.Context, cfg *SchedConfig, cs kubernetes.Interface, tr *podTracker, ns, mode string, labels map[string]string) error {
	switch {
	case mode == "bare" && cfg.PodsQPS == 0:
		_, err := createPods(ctx, cs, tr, cfg.Workers, cfg.Pods, func(i int) *corev1.Pod {
			return hollowPod(ns, fmt.Sprintf("pod-%d", i), labels)
		})
		return err
	case mode == "bare":
		tick, stop := schedule(ctx, paceInterval(cfg.PodsQPS))
		defer stop()
		return createPaced(ctx, cfg.Pods, tick, func(ctx context.Context, i int) error {
			return sendPod(ctx, cs, tr, hollowPod(ns, fmt.Sprintf("pod-%d", i), labels))
		})
	case mode == "deployment" && cfg.PodsQPS == 0:
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, benchDeployment(ns, "bench", int32(cfg.Pods), labels), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create deployment: %w", err)
		}
		return nil
	case mode == "deployment":
		return scaleUpPaced(ctx, cs, ns, "bench", cfg.Pods, cfg.PodsQPS, labels)
	}
	return fmt.Errorf("mode %q: want bare or deployment", mode)
}

// scaleSteps is how many times a second scaleUpPaced scales its
// Deployment up.
const scaleSteps = 10

// scaleUpPaced creates Deployment name with the replicas due in its first
// 1/scaleSteps of a second and raises spec.replicas scaleSteps times a
// second (a merge patch, as `kubectl scale` changes the same field) to
// qps times the time since, until it reaches pods.
func scaleUpPaced(ctx context.Context, cs kubernetes.Interface, ns, name string, pods int, qps float64, labels map[string]string) error {
	due := func(step int) int32 {
		return int32(min(pods, max(1, int(math.Round(qps*float64(step)/scaleSteps)))))
	}
	replicas := due(1)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, benchDeployment(ns, name, replicas, labels), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	tick, stop := schedule(ctx, time.Second/scaleSteps)
	defer stop()
	for step := 2; int(replicas) < pods; step++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("scale deployment %s to %d: %w", name, pods, ctx.Err())
		case <-tick:
		}
		if due(step) == replicas {
			continue
		}
		replicas = due(step)
		patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
		if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("scale deployment %s to %d: %w", name, replicas, err)
		}
	}
	return nil
}

// startupStats fills the latency and rate figures of res from the pods'
// times; start is when the first create was sent.
func startupStats(pods []podTimes, start time.Time, res *E2EResult) {
	f := startupOf(pods)
	res.Running = f.running
	res.StartupP50Ms, res.StartupP99Ms, res.StartupMaxMs = millis(f.startup.P50), millis(f.startup.P99), millis(f.startup.Max)
	res.ScheduleP99Ms = millis(f.schedule.P99)
	res.BoundToRunningP50Ms, res.BoundToRunningP99Ms = millis(f.boundToRunning.P50), millis(f.boundToRunning.P99)
	res.SentToSeenP50Ms, res.SentToSeenP99Ms = millis(f.sentToSeen.P50), millis(f.sentToSeen.P99)
	res.SeenToBoundP50Ms, res.SeenToBoundP99Ms = millis(f.seenToBound.P50), millis(f.seenToBound.P99)
	if el := f.lastRunning.Sub(start); el > 0 {
		res.PodsPerSec = float64(res.Running) / el.Seconds()
	}
}

// startupFigures is what the pods seen Running of one set took: startup
// (creation to Running), its part until bound (schedule) and the rest
// (boundToRunning); schedule again as sentToSeen (pods the bench sent
// only) and seenToBound.
type startupFigures struct {
	running                           int
	startup, schedule, boundToRunning Summary
	sentToSeen, seenToBound           Summary
	lastRunning                       time.Time
}

// startupOf summarizes the startups of the pods seen Running.
func startupOf(pods []podTimes) startupFigures {
	var startup, sched, run, sentSeen, seenBound []time.Duration
	var f startupFigures
	for _, p := range pods {
		if p.running.IsZero() {
			continue
		}
		startup = append(startup, p.running.Sub(p.created()))
		if !p.sent.IsZero() && !p.added.IsZero() {
			sentSeen = append(sentSeen, p.added.Sub(p.sent))
		}
		if !p.scheduled.IsZero() {
			sched = append(sched, p.scheduled.Sub(p.created()))
			run = append(run, p.running.Sub(p.scheduled))
			if !p.added.IsZero() {
				seenBound = append(seenBound, p.scheduled.Sub(p.added))
			}
		}
		if p.running.After(f.lastRunning) {
			f.lastRunning = p.running
		}
	}
	f.running = len(startup)
	f.startup, f.schedule, f.boundToRunning = Summarize(startup), Summarize(sched), Summarize(run)
	f.sentToSeen, f.seenToBound = Summarize(sentSeen), Summarize(seenBound)
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
