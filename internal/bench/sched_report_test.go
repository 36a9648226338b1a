package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSchedGoalsStartupRows(t *testing.T) {
	e2e := func() E2EResult {
		return E2EResult{
			Mode: "bare", Nodes: 100, Pods: 500, Running: 500, PodsPerSec: 600,
			StartupP50Ms: 3000, StartupP99Ms: 6000, Server: Memory{RSS: 300},
			LatencyPods: 20, LatencyQPS: 5, LatencyRunning: 20, LatencyStartupP50Ms: 200, LatencyStartupP99Ms: 400,
		}
	}
	const (
		burst   = "p99 pod startup < 1 s, burst of 500 pods (bare, 100 nodes)"
		latency = "p99 pod startup < 1 s (upstream SLO 5 s), latency pods at 5/s after the burst (upstream density method) (bare, 100 nodes, 20 pods)"
	)
	tests := []struct {
		name   string
		mutate func(*E2EResult)
		want   map[string]bool // startup goal rows and whether each is met
	}{
		{name: "burst slow, latency pods fast", mutate: func(*E2EResult) {},
			want: map[string]bool{burst: false, latency: true}},
		{name: "both fast", mutate: func(e *E2EResult) { e.StartupP99Ms = 900 },
			want: map[string]bool{burst: true, latency: true}},
		{name: "latency pods slow", mutate: func(e *E2EResult) { e.LatencyStartupP99Ms = 1000 },
			want: map[string]bool{burst: false, latency: false}},
		{name: "a latency pod never ran", mutate: func(e *E2EResult) { e.LatencyRunning = 19 },
			want: map[string]bool{burst: false, latency: false}},
		{name: "no latency phase", mutate: func(e *E2EResult) { e.LatencyPods = 0 },
			want: map[string]bool{burst: false}},
		{name: "paced pods", mutate: func(e *E2EResult) { e.PodsQPS, e.StartupP99Ms, e.LatencyPods = 500, 700, 0 },
			want: map[string]bool{"p99 pod startup < 1 s, 500 pods created at 500/s (bare, 100 nodes)": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e2e()
			tt.mutate(&e)
			r := &SchedReport{E2E: []E2EResult{e}}
			got := map[string]bool{}
			for _, g := range r.Goals() {
				if strings.Contains(g.Goal, "startup") {
					got[g.Goal] = g.Met
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("Goals() startup rows = %v; want %v", got, tt.want)
			}
			for goal, met := range tt.want {
				if m, ok := got[goal]; !ok || m != met {
					t.Errorf("Goals() row %q: present %v, met %v; want present, met %v", goal, ok, m, met)
				}
			}
		})
	}
}

func TestSchedGoalsLatencyMeasured(t *testing.T) {
	r := &SchedReport{E2E: []E2EResult{{Mode: "deployment", Nodes: 100, Pods: 500, Running: 500,
		LatencyPods: 20, LatencyQPS: 5, LatencyRunning: 19, LatencyStartupP50Ms: 210, LatencyStartupP99Ms: 480}}}
	for _, g := range r.Goals() {
		if !strings.Contains(g.Goal, "latency pods") {
			continue
		}
		if want := "480 ms (p50 210 ms), 19 of 20 Running"; g.Measured != want {
			t.Errorf("Goals() latency row measured %q; want %q", g.Measured, want)
		}
		return
	}
	t.Errorf("Goals() = %+v; want a latency pods row", r.Goals())
}

func TestSchedWriteTableLatency(t *testing.T) {
	tests := []struct {
		name        string
		latencyPods int
		want        bool
	}{
		{"with a latency phase", 20, true},
		{"without", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &SchedReport{E2E: []E2EResult{{Mode: "bare", Nodes: 100, Pods: 500, Running: 500,
				LatencyPods: tt.latencyPods, LatencyQPS: 5, LatencyRunning: tt.latencyPods, LatencyStartupP99Ms: 432}}}
			var b bytes.Buffer
			if err := r.WriteTable(&b); err != nil {
				t.Fatalf("WriteTable: %v", err)
			}
			if got := strings.Contains(b.String(), "latency pods, after the burst"); got != tt.want {
				t.Errorf("WriteTable(latency pods %d) has the latency table: %v; want %v\n%s", tt.latencyPods, got, tt.want, b.String())
			}
		})
	}
}

func TestSchedWriteTableCreated(t *testing.T) {
	for _, tt := range []struct {
		qps  float64
		want string
	}{{0, " burst "}, {500, " 500/s "}} {
		r := &SchedReport{E2E: []E2EResult{{Mode: "bare", Nodes: 100, Pods: 500, Running: 500, PodsQPS: tt.qps}}}
		var b bytes.Buffer
		if err := r.WriteTable(&b); err != nil {
			t.Fatalf("WriteTable: %v", err)
		}
		lines := strings.Split(b.String(), "\n")
		if len(lines) < 3 || !strings.Contains(lines[1], " created ") || !strings.Contains(lines[2], tt.want) {
			t.Errorf("WriteTable(pods qps %v): want a created column showing %q\n%s", tt.qps, tt.want, b.String())
		}
	}
}

// TestCPUSince: CPU time per pod between two readings, and none for no pods.
func TestCPUSince(t *testing.T) {
	before := cpuTimes{server: time.Second, agent: 2 * time.Second, bench: 0}
	after := cpuTimes{server: 11 * time.Second, agent: 4 * time.Second, bench: 500 * time.Millisecond}
	if got, want := after.since(before, 1000), (CPUShares{Server: 10, Agent: 2, Bench: 0.5}); got != want {
		t.Errorf("since = %+v; want %+v", got, want)
	}
	if got := after.since(before, 0); got != (CPUShares{}) {
		t.Errorf("since with no pods = %+v; want zero", got)
	}
	if selfCPUTime() <= 0 {
		t.Error("selfCPUTime read nothing")
	}
}
