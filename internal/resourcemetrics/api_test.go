package resourcemetrics

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

func newIndexer(objs ...any) cache.Indexer {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, o := range objs {
		_ = idx.Add(o)
	}
	return idx
}

func pod(ns, name, phase string, lbls map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls}, Status: corev1.PodStatus{Phase: corev1.PodPhase(phase)}}
}

// twoScrapes records two samples 10 s apart of node n1 running pods.
func twoScrapes(st *Store, pods ...types.NamespacedName) {
	for i, sec := range []int{0, 10} {
		sc := Scrape{Node: pt(sec, float64(10*i), 1<<30, time.Time{}), HasNode: true, Containers: map[types.NamespacedName]map[string]Point{}}
		for _, p := range pods {
			sc.Containers[p] = map[string]Point{"app": pt(sec, float64(i), 64<<20, t0)}
		}
		st.Apply("n1", sc)
	}
}

func TestPodSource(t *testing.T) {
	st := NewStore()
	twoScrapes(st, types.NamespacedName{Namespace: "a", Name: "web-1"}, types.NamespacedName{Namespace: "a", Name: "web-0"},
		types.NamespacedName{Namespace: "b", Name: "db"}, types.NamespacedName{Namespace: "a", Name: "done"})
	now := t0.Add(time.Hour)
	src := PodSource{Store: st, Now: func() time.Time { return now }, Pods: corelisters.NewPodLister(newIndexer(
		pod("a", "web-1", "Running", map[string]string{"app": "web"}),
		pod("a", "web-0", "Running", map[string]string{"app": "web"}),
		pod("b", "db", "Running", map[string]string{"app": "db"}),
		pod("a", "done", "Succeeded", map[string]string{"app": "web"}),
		pod("a", "new", "Running", map[string]string{"app": "web"}),
	))}
	ctx := context.Background()
	obj, err := src.Get(ctx, "a", "web-0")
	if err != nil {
		t.Fatal(err)
	}
	m := obj.(*metricsv1beta1.PodMetrics)
	cpu, mem := m.Containers[0].Usage[corev1.ResourceCPU], m.Containers[0].Usage[corev1.ResourceMemory]
	if m.Name != "web-0" || m.Labels["app"] != "web" || !m.Timestamp.Time.Equal(t0.Add(10*time.Second)) || m.Window.Duration != 10*time.Second ||
		len(m.Containers) != 1 || m.Containers[0].Name != "app" || cpu.String() != "100m" || mem.Cmp(resource.MustParse("64Mi")) != 0 ||
		!m.CreationTimestamp.Time.Equal(now) {
		t.Errorf("Get(a/web-0) = %+v; want app at 100m and 64Mi over 10s, with the pod's labels", m)
	}
	for name, want := range map[string]string{
		"done":    `pods.metrics.k8s.io "a/done" not found`,
		"new":     `pods.metrics.k8s.io "a/new" not found`,
		"missing": `pod "missing" not found`,
	} {
		if _, err := src.Get(ctx, "a", name); !apierrors.IsNotFound(err) || err.Error() != want {
			t.Errorf("Get(a/%s) error = %v; want NotFound %q", name, err, want)
		}
	}
	tests := []struct {
		ns    string
		label string
		field string
		want  []string
	}{
		{ns: "", want: []string{"a/web-0", "a/web-1", "b/db"}},
		{ns: "a", want: []string{"a/web-0", "a/web-1"}},
		{ns: "", label: "app=db", want: []string{"b/db"}},
		{ns: "a", field: "metadata.name=web-1", want: []string{"a/web-1"}},
		{ns: "", field: "metadata.namespace!=a", want: []string{"b/db"}},
	}
	for _, tt := range tests {
		ls, _ := labels.Parse(tt.label)
		fs, _ := fields.ParseSelector(tt.field)
		items, err := src.List(ctx, tt.ns, ls, fs)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			pm := it.(*metricsv1beta1.PodMetrics)
			got = append(got, pm.Namespace+"/"+pm.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("List(%q, %q, %q) = %v; want %v", tt.ns, tt.label, tt.field, got, tt.want)
		}
	}
}

func TestNodeSource(t *testing.T) {
	st := NewStore()
	twoScrapes(st)
	nodes := newIndexer(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a"}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2", Labels: map[string]string{"zone": "a"}}},
	)
	src := NodeSource{Store: st, Nodes: corelisters.NewNodeLister(nodes), Now: time.Now}
	obj, err := src.Get(context.Background(), "", "n1")
	if err != nil {
		t.Fatal(err)
	}
	m := obj.(*metricsv1beta1.NodeMetrics)
	cpu, mem := m.Usage[corev1.ResourceCPU], m.Usage[corev1.ResourceMemory]
	if cpu.String() != "1" || mem.String() != "1Gi" || m.Labels["zone"] != "a" || m.Window.Duration != 10*time.Second {
		t.Errorf("Get(n1) = %+v; want 1 core, 1Gi over 10s", m)
	}
	if _, err := src.Get(context.Background(), "", "n2"); !apierrors.IsNotFound(err) || err.Error() != `nodes.metrics.k8s.io "n2" not found` {
		t.Errorf("Get(n2) error = %v; want NotFound for its metrics", err)
	}
	items, err := src.List(context.Background(), "", labels.SelectorFromSet(labels.Set{"zone": "a"}), fields.Everything())
	if err != nil || len(items) != 1 {
		t.Errorf("List(zone=a) = %d items, %v; want n1 only", len(items), err)
	}
}

// TestScraper scrapes a kubelet stand-in over TLS on loopback.
func TestScraper(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path != "/metrics/resource" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "node_cpu_usage_seconds_total %d %d\nnode_memory_working_set_bytes 1024 %d\n",
			2*n, t0.Add(time.Duration(n)*time.Second).UnixMilli(), t0.Add(time.Duration(n)*time.Second).UnixMilli())
	}))
	defer srv.Close()
	_, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	node := func(name string, port int) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
		n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
		return n
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	st := NewStore()
	sc, err := NewScraper(ScraperConfig{
		Nodes: corelisters.NewNodeLister(newIndexer(node("up", port), node("noport", 0), node("down", closedPort))),
		Store: st, Client: srv.Client(), Resolution: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sc.ScrapeAll(context.Background())
	sc.ScrapeAll(context.Background())
	if got := calls.Load(); got != 2 {
		t.Errorf("kubelet scraped %d times; want 2 (the node without a port never)", got)
	}
	if u, ok := st.Node("up"); !ok || u.NanoCores != 2_000_000_000 || u.Memory != 1024 {
		t.Errorf("Node(up) = %+v, %v; want 2 cores, 1024 bytes", u, ok)
	}
	if _, ok := st.Node("down"); ok {
		t.Errorf("Node(down) ok = true; want false")
	}
}
