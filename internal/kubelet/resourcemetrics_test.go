package kubelet

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	testclock "k8s.io/utils/clock/testing"
)

// usageRuntime is a Runtime whose only behaviour is ContainerStats: each
// container of a pod uses rateMilli of CPU since start, on clk.
type usageRuntime struct {
	Runtime // nil: only ContainerStats and SetNotify are called
	clk     *testclock.FakeClock
	start   time.Time
	pods    map[types.UID][]string // running containers
	rate    map[string]int64       // millicores by container name
	memory  uint64
}

func (r *usageRuntime) SetNotify(func(types.UID)) {}

func (r *usageRuntime) ContainerStats(uid types.UID) []ContainerStats {
	var out []ContainerStats
	for _, name := range r.pods[uid] {
		ns := uint64(r.clk.Since(r.start)) * uint64(r.rate[name]) / 1000
		out = append(out, ContainerStats{Name: name, CPUUsageCoreNanoSeconds: ns, MemoryWorkingSetBytes: r.memory,
			StartTime: r.start, Timestamp: r.clk.Now()})
	}
	return out
}

// newStatsKubelet returns a kubelet working on pod ns/web (containers app
// at 250m and side at 50m, 64Mi each) and ns/idle (no running container).
func newStatsKubelet(t *testing.T) (*Kubelet, *usageRuntime) {
	t.Helper()
	clk := testclock.NewFakeClock(time.Unix(1767225600, 0)) // 2026-01-01T00:00:00Z
	rt := &usageRuntime{clk: clk, start: clk.Now().Add(-30 * time.Second),
		pods:   map[types.UID][]string{"u-web": {"side", "app"}},
		rate:   map[string]int64{"app": 250, "side": 50},
		memory: 64 << 20}
	k, err := New(Config{NodeName: "n1", Client: fake.NewClientset(), Runtime: rt, NodeIP: "127.0.0.1", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "u-web"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "idle", UID: "u-idle"}},
	} {
		k.workers[p.UID] = newPodWorker(k, p)
	}
	return k, rt
}

// wantResourceMetrics is the exposition of newStatsKubelet's kubelet 10 s
// after the fake clock's start, in upstream's format (families sorted by
// name, millisecond timestamps; see upstream's resource_metrics_test.go).
const wantResourceMetrics = `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",namespace="ns",pod="web"} 10 1767225610000
container_cpu_usage_seconds_total{container="side",namespace="ns",pod="web"} 2 1767225610000
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",namespace="ns",pod="web"} 6.7108864e+07 1767225610000
container_memory_working_set_bytes{container="side",namespace="ns",pod="web"} 6.7108864e+07 1767225610000
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="app",namespace="ns",pod="web"} 1.76722557e+09
container_start_time_seconds{container="side",namespace="ns",pod="web"} 1.76722557e+09
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 12 1767225610000
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.34217728e+08 1767225610000
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="ns",pod="web"} 12 1767225610000
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="ns",pod="web"} 1.34217728e+08 1767225610000
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`

// TestResourceMetrics checks the exposition text of /metrics/resource
// with CPU growing at each container's rate on a fake clock.
func TestResourceMetrics(t *testing.T) {
	k, rt := newStatsKubelet(t)
	h := resourceMetricsHandler(k.Summary)
	get := func() string {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ResourceMetricsPath, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d; want 200", ResourceMetricsPath, rec.Code)
		}
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}
	// The containers started 30 s before the clock's start; 10 s later
	// app at 250m has used 10 core-seconds, side at 50m 2.
	_ = get()
	rt.clk.Step(10 * time.Second)
	if got := get(); got != wantResourceMetrics {
		t.Errorf("GET %s after 40 s =\n%s\nwant\n%s", ResourceMetricsPath, got, wantResourceMetrics)
	}
}

// TestNodeCPUMonotonic checks that the node's CPU counter does not drop
// when a container stops.
func TestNodeCPUMonotonic(t *testing.T) {
	k, rt := newStatsKubelet(t)
	rt.clk.Step(10 * time.Second)
	before := k.Summary().Node.CPUUsageCoreNanoSeconds
	rt.pods["u-web"] = []string{"side"}
	after := k.Summary().Node.CPUUsageCoreNanoSeconds
	if after < before {
		t.Errorf("node cpu after app stopped = %d; want at least %d (before)", after, before)
	}
	if s := k.Summary(); len(s.Pods) != 1 || s.Pods[0].Name != "web" || len(s.Pods[0].Containers) != 1 {
		t.Errorf("Summary().Pods = %+v; want web with side only", s.Pods)
	}
}
