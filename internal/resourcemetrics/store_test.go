package resourcemetrics

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func pt(sec int, cpu float64, mem uint64, start time.Time) Point {
	return Point{Time: t0.Add(time.Duration(sec) * time.Second), CPU: cpu, Memory: mem, Start: start}
}

func TestSeriesUsage(t *testing.T) {
	started := t0.Add(-time.Minute)
	tests := []struct {
		name   string
		points []Point
		want   Usage
		ok     bool
	}{
		{name: "one sample", points: []Point{pt(0, 1, 10, started)}},
		{name: "rate over the window", points: []Point{pt(0, 1, 10, started), pt(15, 4, 20, started)},
			want: Usage{NanoCores: 200_000_000, Memory: 20, Time: t0.Add(15 * time.Second), Window: 15 * time.Second}, ok: true},
		{name: "last two of three", points: []Point{pt(0, 1, 10, started), pt(10, 2, 20, started), pt(20, 7, 30, started)},
			want: Usage{NanoCores: 500_000_000, Memory: 30, Time: t0.Add(20 * time.Second), Window: 10 * time.Second}, ok: true},
		{name: "an older sample is dropped", points: []Point{pt(0, 1, 10, started), pt(10, 2, 20, started), pt(5, 9, 99, started)},
			want: Usage{NanoCores: 100_000_000, Memory: 20, Time: t0.Add(10 * time.Second), Window: 10 * time.Second}, ok: true},
		{name: "restart (new start time) starts over", points: []Point{pt(0, 1, 10, started), pt(10, 2, 20, started), pt(20, 0.5, 5, t0.Add(15*time.Second))}},
		{name: "counter went down starts over", points: []Point{pt(0, 5, 10, started), pt(10, 6, 20, started), pt(20, 1, 5, started)}},
		{name: "restart then a second sample", points: []Point{pt(0, 5, 10, started), pt(10, 1, 20, t0.Add(5*time.Second)), pt(20, 3, 30, t0.Add(5*time.Second))},
			want: Usage{NanoCores: 200_000_000, Memory: 30, Time: t0.Add(20 * time.Second), Window: 10 * time.Second}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s series
			for _, p := range tt.points {
				s.add(p)
			}
			got, ok := s.usage()
			if ok != tt.ok || got != tt.want {
				t.Errorf("usage() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStoreApply(t *testing.T) {
	st := NewStore()
	web := types.NamespacedName{Namespace: "ns", Name: "web"}
	db := types.NamespacedName{Namespace: "ns", Name: "db"}
	scrape := func(sec int, cpu float64, pods map[types.NamespacedName]map[string]Point) Scrape {
		return Scrape{Node: pt(sec, cpu, 1000, time.Time{}), HasNode: true, Containers: pods}
	}
	st.Apply("n1", scrape(0, 10, map[types.NamespacedName]map[string]Point{
		web: {"app": pt(0, 1, 10, t0), "side": pt(0, 1, 10, t0)}, db: {"db": pt(0, 1, 10, t0)},
	}))
	if _, ok := st.Node("n1"); ok {
		t.Errorf("Node after one scrape: ok = true; want false")
	}
	if _, ok := st.Pod(web); ok {
		t.Errorf("Pod after one scrape: ok = true; want false")
	}
	// web's sidecar is gone (its pod kept), db is gone.
	st.Apply("n1", scrape(10, 30, map[types.NamespacedName]map[string]Point{web: {"app": pt(10, 3, 12, t0)}}))
	if u, ok := st.Node("n1"); !ok || u.NanoCores != 2_000_000_000 {
		t.Errorf("Node = %+v, %v; want 2 cores", u, ok)
	}
	cs, ok := st.Pod(web)
	if !ok || len(cs) != 1 || cs[0].Name != "app" || cs[0].NanoCores != 200_000_000 || cs[0].Memory != 12 {
		t.Errorf("Pod(web) = %+v, %v; want app at 200m, 12 bytes", cs, ok)
	}
	if _, ok := st.Pod(db); ok {
		t.Errorf("Pod(db) after its node stopped reporting it: ok = true; want false")
	}
	// A pod moving to another node is reported from there; the old node
	// dropping it does not forget it.
	st.Apply("n2", scrape(11, 0, map[types.NamespacedName]map[string]Point{web: {"app": pt(11, 0, 1, t0.Add(11*time.Second))}}))
	st.Apply("n1", scrape(20, 40, nil))
	st.Apply("n2", scrape(21, 1, map[types.NamespacedName]map[string]Point{web: {"app": pt(21, 1, 2, t0.Add(11*time.Second))}}))
	if cs, ok := st.Pod(web); !ok || cs[0].NanoCores != 100_000_000 {
		t.Errorf("Pod(web) on n2 = %+v, %v; want 100m", cs, ok)
	}
	st.Retain(map[string]bool{"n1": true})
	if _, ok := st.Pod(web); ok {
		t.Errorf("Pod(web) after n2 was removed: ok = true; want false")
	}
	if _, ok := st.Node("n2"); ok {
		t.Errorf("Node(n2) after Retain without it: ok = true; want false")
	}
}

const sampleMetrics = `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",namespace="ns",pod="web"} 2.5 1764151200000
container_cpu_usage_seconds_total{container="nomem",namespace="ns",pod="web"} 1 1764151200000
container_cpu_usage_seconds_total{container="",namespace="ns",pod="web"} 1 1764151200000
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",namespace="ns",pod="web"} 6.7108864e+07 1764151200000
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="app",namespace="ns",pod="web"} 1.7641512e+09
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 12.25 1764151200000
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.34217728e+08 1764151200000
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`

func TestParseScrape(t *testing.T) {
	now := time.Unix(1764151300, 0)
	sc, err := parseScrape(strings.NewReader(sampleMetrics), now)
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(1764151200000)
	if !sc.HasNode || sc.Node.CPU != 12.25 || sc.Node.Memory != 128<<20 || !sc.Node.Time.Equal(at) {
		t.Errorf("node = %+v, %v; want 12.25 s, 128Mi at %v", sc.Node, sc.HasNode, at)
	}
	web := sc.Containers[types.NamespacedName{Namespace: "ns", Name: "web"}]
	want := Point{Time: at, CPU: 2.5, Memory: 64 << 20, Start: time.Unix(1764151200, 0)}
	if len(web) != 1 || !web["app"].Time.Equal(want.Time) || web["app"].CPU != want.CPU || web["app"].Memory != want.Memory || !web["app"].Start.Equal(want.Start) {
		t.Errorf("web containers = %+v; want only app = %+v (nomem lacks memory, the unnamed one is skipped)", web, want)
	}

	if _, err := parseScrape(strings.NewReader("node_cpu_usage_seconds_total{ 1\n"), now); err == nil {
		t.Errorf("parseScrape(malformed) error = nil; want one")
	}
	sc, err = parseScrape(strings.NewReader("node_cpu_usage_seconds_total 3\n"), now)
	if err != nil || sc.HasNode {
		t.Errorf("parseScrape(cpu without memory) = %+v, %v; want no node sample", sc, err)
	}
}
