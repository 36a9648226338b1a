package podautoscaler

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// podMetricsJSON is a PodMetricsList in namespace ns as metrics-server
// writes it: pod a has two containers, b lacks memory in one, c has no
// containers, d is another app's; a pod "e" has no entry at all.
const podMetricsJSON = `{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
 {"metadata":{"name":"a","namespace":"ns","labels":{"app":"web"}},"timestamp":"2025-01-01T12:00:00Z","window":"15s",
  "containers":[{"name":"app","usage":{"cpu":"100m","memory":"10Mi"}},{"name":"sidecar","usage":{"cpu":"150m","memory":"2Mi"}}]},
 {"metadata":{"name":"b","namespace":"ns","labels":{"app":"web"}},"timestamp":"2025-01-01T12:00:05Z","window":"20s",
  "containers":[{"name":"app","usage":{"cpu":"1","memory":"1Gi"}},{"name":"sidecar","usage":{"cpu":"250u"}}]},
 {"metadata":{"name":"c","namespace":"ns","labels":{"app":"web"}},"timestamp":"2025-01-01T12:00:00Z","window":"15s","containers":[]},
 {"metadata":{"name":"d","namespace":"ns","labels":{"app":"db"}},"timestamp":"2025-01-01T12:00:00Z","window":"15s",
  "containers":[{"name":"db","usage":{"cpu":"2","memory":"4Gi"}}]}]}`

// metricsServer serves discovery and PodMetricsList for namespace ns the
// way an APIService-backed metrics-server answers through the API server.
type metricsServer struct {
	// discovery is the status of GET /apis/metrics.k8s.io/v1beta1; 200
	// lists resources.
	discovery int
	resources []string
	// list is the status of the list; 200 answers podMetricsJSON filtered
	// by the label selector.
	list int

	mu       sync.Mutex
	selector []string
	accept   []string
}

func (s *metricsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/apis/metrics.k8s.io/v1beta1":
		if s.discovery != http.StatusOK {
			http.Error(w, "no", s.discovery)
			return
		}
		list := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: metricsGroupVersion}
		for _, name := range s.resources {
			list.APIResources = append(list.APIResources, metav1.APIResource{Name: name, Namespaced: true, Kind: "PodMetrics", Verbs: []string{"get", "list"}})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(list)
	case "/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods":
		s.mu.Lock()
		s.selector = append(s.selector, r.URL.Query().Get("labelSelector"))
		s.accept = append(s.accept, r.Header.Get("Accept"))
		s.mu.Unlock()
		if s.list != http.StatusOK {
			http.Error(w, "no", s.list)
			return
		}
		s.writeList(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *metricsServer) writeList(w http.ResponseWriter, r *http.Request) {
	sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var list map[string]any
	if err := json.Unmarshal([]byte(podMetricsJSON), &list); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	items := []any{}
	for _, it := range list["items"].([]any) {
		l := map[string]string{}
		for k, v := range it.(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any) {
			l[k] = v.(string)
		}
		if sel.Matches(labels.Set(l)) {
			items = append(items, it)
		}
	}
	list["items"] = items
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

// startMetricsServer serves s on loopback, with TLS or without, and
// returns a client of it that prefers protobuf, as a tuned client would.
func startMetricsServer(t *testing.T, s *metricsServer, useTLS bool) kubernetes.Interface {
	t.Helper()
	var srv *httptest.Server
	cfg := &rest.Config{ContentConfig: rest.ContentConfig{ContentType: "application/vnd.kubernetes.protobuf"}}
	if useTLS {
		srv = httptest.NewTLSServer(s)
		cfg.TLSClientConfig.CAData = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	} else {
		srv = httptest.NewServer(s)
	}
	t.Cleanup(srv.Close)
	cfg.Host = srv.URL
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestRESTMetrics(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	tests := []struct {
		name         string
		tls          bool
		server       *metricsServer
		sel          labels.Selector
		res          corev1.ResourceName
		want         map[string]PodMetric
		wantErr      string
		wantSelector string
	}{
		{name: "cpu over TLS: containers summed, a pod lacking a container's usage or containers skipped",
			tls: true, server: &metricsServer{discovery: 200, resources: []string{"nodes", "pods"}, list: 200}, sel: web, res: corev1.ResourceCPU,
			want: map[string]PodMetric{
				"a": {Timestamp: at("2025-01-01T12:00:00Z"), Window: 15 * time.Second, Value: 250},
				"b": {Timestamp: at("2025-01-01T12:00:05Z"), Window: 20 * time.Second, Value: 1001},
			}, wantSelector: "app=web"},
		{name: "memory over plain HTTP: b lacks the sidecar's memory",
			server: &metricsServer{discovery: 200, resources: []string{"pods"}, list: 200}, sel: web, res: corev1.ResourceMemory,
			want:         map[string]PodMetric{"a": {Timestamp: at("2025-01-01T12:00:00Z"), Window: 15 * time.Second, Value: 12 << 20 * 1000}},
			wantSelector: "app=web"},
		{name: "the selector reaches the server",
			server: &metricsServer{discovery: 200, resources: []string{"pods"}, list: 200}, sel: labels.SelectorFromSet(labels.Set{"app": "db"}),
			res: corev1.ResourceCPU, want: map[string]PodMetric{"d": {Timestamp: at("2025-01-01T12:00:00Z"), Window: 15 * time.Second, Value: 2000}},
			wantSelector: "app=db"},
		{name: "no pod matches", server: &metricsServer{discovery: 200, resources: []string{"pods"}, list: 200},
			sel: labels.SelectorFromSet(labels.Set{"app": "none"}), res: corev1.ResourceCPU,
			wantErr: "no metrics returned from resource metrics API", wantSelector: "app=none"},
		{name: "group version not served", tls: true, server: &metricsServer{discovery: 404}, sel: web, res: corev1.ResourceCPU,
			wantErr: "unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)"},
		{name: "group served without pods", server: &metricsServer{discovery: 200, resources: []string{"nodes"}}, sel: web, res: corev1.ResourceCPU,
			wantErr: "unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)"},
		{name: "discovery failing is not reported as not served", server: &metricsServer{discovery: 503}, sel: web, res: corev1.ResourceCPU,
			wantErr: "unable to fetch metrics from resource metrics API: discover metrics.k8s.io/v1beta1:"},
		{name: "list failing", server: &metricsServer{discovery: 200, resources: []string{"pods"}, list: 500}, sel: web, res: corev1.ResourceCPU,
			wantErr: "unable to fetch metrics from resource metrics API: an error on the server", wantSelector: "app=web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newRESTMetrics(startMetricsServer(t, tt.server, tt.tls))
			got, err := m.PodMetrics(context.Background(), "ns", tt.sel, tt.res)
			for name, pm := range got {
				pm.Timestamp = pm.Timestamp.UTC()
				got[name] = pm
			}
			switch {
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("PodMetrics(%s, %s) error = %v; want one starting %q", tt.sel, tt.res, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Errorf("PodMetrics(%s, %s) error = %v; want none", tt.sel, tt.res, err)
			case !reflect.DeepEqual(got, tt.want):
				t.Errorf("PodMetrics(%s, %s) = %v; want %v", tt.sel, tt.res, got, tt.want)
			}
			var wantSel, wantAccept []string
			if tt.wantSelector != "" {
				wantSel, wantAccept = []string{tt.wantSelector}, []string{"application/json"}
			}
			if !reflect.DeepEqual(tt.server.selector, wantSel) || !reflect.DeepEqual(tt.server.accept, wantAccept) {
				t.Errorf("list requests: labelSelector %q, Accept %q; want %q, %q", tt.server.selector, tt.server.accept, wantSel, wantAccept)
			}
		})
	}
}
