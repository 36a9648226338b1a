package bench

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSampler(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name     string
		baseline int
		readings []int
		times    []float64
		want     []float64
	}{
		{"nothing scheduled yet", 0, []int{0, 0}, []float64{1, 2}, nil},
		{"first non-zero reading is the baseline", 0, []int{0, 50, 150, 350}, []float64{1, 2, 3, 4}, []float64{100, 200}},
		{"initial pods do not count", 100, []int{100, 100, 120, 220}, []float64{1, 2, 3, 4}, []float64{100}},
		{"partial interval scaled by its length", 0, []int{10, 110, 160}, []float64{1, 2, 2.5}, []float64{100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sampler{baseline: tt.baseline}
			for i, r := range tt.readings {
				s.add(r, at(tt.times[i]))
			}
			if len(s.samples) != len(tt.want) {
				t.Fatalf("samples = %v; want %v", s.samples, tt.want)
			}
			for i := range tt.want {
				if s.samples[i] != tt.want[i] {
					t.Errorf("samples = %v; want %v", s.samples, tt.want)
				}
			}
		})
	}
}

func TestSummarizeThroughput(t *testing.T) {
	got := summarizeThroughput([]float64{400, 100, 300, 200})
	want := Throughput{Samples: 4, Average: 250, P50: 200, P90: 400, P95: 400, P99: 400}
	if got != want {
		t.Errorf("summarizeThroughput = %+v; want %+v", got, want)
	}
	if got := summarizeThroughput(nil); got != (Throughput{}) {
		t.Errorf("summarizeThroughput(nil) = %+v; want zero", got)
	}
}

func TestStartupStats(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	pods := []podTimes{
		{sent: ms(0), added: ms(10), scheduled: ms(50), running: ms(100)},
		{added: ms(100), scheduled: ms(150), running: ms(400)}, // a controller's pod: from the watch's ADDED
		{sent: ms(10), added: ms(20)},                          // never ran
	}
	var res E2EResult
	startupStats(pods, t0, &res)
	if res.Running != 2 || res.StartupP50Ms != 100 || res.StartupP99Ms != 300 || res.ScheduleP99Ms != 50 {
		t.Errorf("startupStats = running %d, p50 %v, p99 %v, bound p99 %v; want 2, 100, 300, 50",
			res.Running, res.StartupP50Ms, res.StartupP99Ms, res.ScheduleP99Ms)
	}
	if res.PodsPerSec != 5 {
		t.Errorf("pods/s = %v; want 5 (2 pods in 400 ms)", res.PodsPerSec)
	}
	// Sent to seen: the bench's own pod only (10 ms); seen to bound: 40
	// and 50 ms.
	if res.SentToSeenP99Ms != 10 || res.SeenToBoundP50Ms != 40 || res.SeenToBoundP99Ms != 50 {
		t.Errorf("sent to seen p99 %v, seen to bound p50 %v p99 %v; want 10, 40, 50", res.SentToSeenP99Ms, res.SeenToBoundP50Ms, res.SeenToBoundP99Ms)
	}
}

func TestPodTrackerCounts(t *testing.T) {
	tr := newPodTracker()
	pod := func(name string, ready, deleting bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
		p.Spec.NodeName = "n"
		p.Status.Phase = corev1.PodRunning
		st := corev1.ConditionFalse
		if ready {
			st = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
		if deleting {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	steps := []struct {
		name               string
		do                 func()
		available, active  int
		scheduled, running int
	}{
		{"a not ready", func() { tr.observe(pod("a", false, false)) }, 0, 1, 1, 1},
		{"a ready", func() { tr.observe(pod("a", true, false)) }, 1, 1, 1, 1},
		{"b ready", func() { tr.observe(pod("b", true, false)) }, 2, 2, 2, 2},
		{"a terminating", func() { tr.observe(pod("a", true, true)) }, 1, 1, 2, 2},
		{"a gone", func() { tr.gone("a") }, 1, 1, 2, 2},
	}
	for _, s := range steps {
		s.do()
		sched, running := tr.counts()
		if tr.available != s.available || tr.active != s.active || sched != s.scheduled || running != s.running {
			t.Errorf("after %s: available %d, active %d, scheduled %d, running %d; want %d, %d, %d, %d",
				s.name, tr.available, tr.active, sched, running, s.available, s.active, s.scheduled, s.running)
		}
	}
}

func TestResolveBounds(t *testing.T) {
	tests := []struct {
		name                   string
		surge, unavailable     string
		replicas               int
		wantSurge, wantUnavail int
	}{
		{"defaults on 1000", "25%", "25%", 1000, 250, 250},
		{"percent rounds surge up, unavailable down", "25%", "25%", 3, 1, 0},
		{"numbers", "2", "1", 10, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u, err := resolveBounds(RolloutConfig{MaxSurge: tt.surge, MaxUnavailable: tt.unavailable, Replicas: tt.replicas})
			if err != nil || s != tt.wantSurge || u != tt.wantUnavail {
				t.Errorf("resolveBounds(%s, %s, %d) = %d, %d, %v; want %d, %d", tt.surge, tt.unavailable, tt.replicas, s, u, err, tt.wantSurge, tt.wantUnavail)
			}
		})
	}
}

func TestSchedConfigValidate(t *testing.T) {
	ok := func() SchedConfig {
		return SchedConfig{Binary: "skiff", Nodes: 100, Pods: 500, LatencyPods: 20, LatencyQPS: 5}
	}
	tests := []struct {
		name    string
		mutate  func(*SchedConfig)
		wantErr string
	}{
		{name: "latency phase", mutate: func(*SchedConfig) {}},
		{name: "latency phase skipped", mutate: func(c *SchedConfig) { c.LatencyPods, c.LatencyQPS = 0, 0 }},
		{name: "fractional rate", mutate: func(c *SchedConfig) { c.LatencyQPS = 0.5 }},
		{name: "negative latency pods", mutate: func(c *SchedConfig) { c.LatencyPods = -1 },
			wantErr: "latency pods -1: must not be negative"},
		{name: "zero rate", mutate: func(c *SchedConfig) { c.LatencyQPS = 0 },
			wantErr: "latency qps 0 with 20 latency pods: want a rate above 0"},
		{name: "negative rate", mutate: func(c *SchedConfig) { c.LatencyQPS = -5 },
			wantErr: "latency qps -5 with 20 latency pods: want a rate above 0"},
		{name: "rate too high for a ticker", mutate: func(c *SchedConfig) { c.LatencyQPS = 1e10 },
			wantErr: "want at most one pod a nanosecond"},
		{name: "paced pods", mutate: func(c *SchedConfig) { c.PodsQPS = 500 }},
		{name: "negative pods rate", mutate: func(c *SchedConfig) { c.PodsQPS = -1 },
			wantErr: "pods qps -1: want 0 (a burst) or a rate above 0"},
		{name: "pods rate too high", mutate: func(c *SchedConfig) { c.PodsQPS = 1e10 },
			wantErr: "pods qps 1e+10: want 0 (a burst) or a rate above 0 and at most one pod a nanosecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.mutate(&c)
			err := c.validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("validate(%+v) = %v; want nil", c, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("validate(latency pods %d, qps %v) = %v; want an error containing %q", c.LatencyPods, c.LatencyQPS, err, tt.wantErr)
			}
		})
	}
}

func TestClusterCIDRFlags(t *testing.T) {
	for _, tt := range []struct {
		nodes   int
		want    string
		wantErr bool
	}{
		{nodes: 0}, {nodes: 256},
		{nodes: 257, want: "--cluster-cidr 10.64.0.0/15"},
		{nodes: 1000, want: "--cluster-cidr 10.64.0.0/14"},
		{nodes: 1024, want: "--cluster-cidr 10.64.0.0/14"},
		{nodes: 1025, want: "--cluster-cidr 10.64.0.0/13"},
		{nodes: 16384, want: "--cluster-cidr 10.64.0.0/10"},
		{nodes: 16385, wantErr: true},
	} {
		flags, err := clusterCIDRFlags(tt.nodes)
		if got := strings.Join(flags, " "); got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("clusterCIDRFlags(%d) = %q, %v; want %q, error %v", tt.nodes, got, err, tt.want, tt.wantErr)
		}
	}
}
