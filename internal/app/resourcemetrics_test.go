package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// TestMetricsAPI runs the resource metrics pipeline end to end in one
// process: the server scrapes a hollow kubelet (as
// kube-apiserver-kubelet-client, through the kubelet's
// SubjectAccessReview) and serves metrics.k8s.io/v1beta1 from it, in
// discovery, as PodMetrics and NodeMetrics, to users RBAC lets read them
// (view folds in the metrics reader role), and refuses verbs it does not
// serve.
func TestMetricsAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, restCfg, cs := startTestServer(t, ctx, ServerConfig{DataDir: dir, MetricResolution: 200 * time.Millisecond, Logger: log})
	agent, err := StartAgent(ctx, AgentConfig{Kubeconfig: srv.Kubeconfig, Simulate: 2, KubeletPort: freeTCPPort(t), Logger: log})
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	defer agent.Stop()

	list, err := cs.Discovery().ServerResourcesForGroupVersion("metrics.k8s.io/v1beta1")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	kinds := map[string]string{}
	for _, r := range list.APIResources {
		if slices.Equal(r.Verbs, []string{"get", "list"}) {
			kinds[r.Name] = r.Kind
		}
	}
	if kinds["nodes"] != "NodeMetrics" || kinds["pods"] != "PodMetrics" {
		t.Errorf("metrics.k8s.io/v1beta1 resources = %+v; want nodes NodeMetrics and pods PodMetrics, get and list", list.APIResources)
	}

	pod := bindPod(t, ctx, cs, "hollow-1")
	waitFor(t, ctx, "pod Running", func() (bool, error) {
		p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	if err := agent.Runtime("hollow-1").SetUsage(pod.Namespace, pod.Name, "app", 250, 64<<20); err != nil {
		t.Fatalf("SetUsage: %v", err)
	}
	rc := cs.CoreV1().RESTClient()
	podPath := "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/hollow-pod"
	var pm metricsv1beta1.PodMetrics
	waitFor(t, ctx, "PodMetrics at 250m", func() (bool, error) {
		raw, err := rc.Get().AbsPath(podPath).DoRaw(ctx)
		if apierrors.IsNotFound(err) {
			return false, nil // not two samples yet
		}
		if err != nil {
			return false, err
		}
		pm = metricsv1beta1.PodMetrics{}
		if err := json.Unmarshal(raw, &pm); err != nil {
			return false, err
		}
		cpu := pm.Containers[0].Usage[corev1.ResourceCPU]
		return len(pm.Containers) == 1 && cpu.MilliValue() >= 245 && cpu.MilliValue() <= 255, nil
	})
	mem := pm.Containers[0].Usage[corev1.ResourceMemory]
	if pm.Kind != "PodMetrics" || pm.APIVersion != "metrics.k8s.io/v1beta1" || pm.Containers[0].Name != "app" ||
		mem.Value() != 64<<20 || pm.Window.Duration <= 0 || pm.Window.Duration > 2*time.Second {
		t.Errorf("PodMetrics = %+v; want app with 64Mi over a window of about 200ms", pm)
	}
	var nm metricsv1beta1.NodeMetrics
	if err := rc.Get().AbsPath("/apis/metrics.k8s.io/v1beta1/nodes/hollow-1").Do(ctx).Into(&nm); err != nil {
		// Into needs the kind registered in client-go's scheme, which
		// the server registered in this process.
		t.Fatalf("get NodeMetrics: %v", err)
	}
	if cpu := nm.Usage[corev1.ResourceCPU]; cpu.MilliValue() < 240 || nm.Labels[corev1.LabelHostname] != "hollow-1" {
		t.Errorf("NodeMetrics(hollow-1) = %+v; want the pod's 250m and the node's labels", nm)
	}

	for _, tt := range []struct {
		method, path string
		param, value string
		code         int
	}{
		{http.MethodGet, "/apis/metrics.k8s.io/v1beta1/pods", "watch", "true", http.StatusMethodNotAllowed},
		{http.MethodPost, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "", "", http.StatusMethodNotAllowed},
		{http.MethodDelete, podPath, "", "", http.StatusMethodNotAllowed},
		{http.MethodGet, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/missing", "", "", http.StatusNotFound},
		{http.MethodGet, "/apis/metrics.k8s.io/v1beta1/nodes/hollow-1/status", "", "", http.StatusNotFound},
		{http.MethodGet, "/apis/metrics.k8s.io/v1beta1/pods", "labelSelector", "a===", http.StatusBadRequest},
		{http.MethodGet, "/apis/metrics.k8s.io/v1beta1/pods", "fieldSelector", "spec.nodeName=x", http.StatusBadRequest},
	} {
		req := rc.Verb(tt.method).AbsPath(tt.path).Body([]byte("{}"))
		if tt.param != "" {
			req = req.Param(tt.param, tt.value)
		}
		res := req.Do(ctx)
		var code int
		res.StatusCode(&code)
		if code != tt.code {
			t.Errorf("%s %s = %d (%v); want %d", tt.method, tt.path, code, res.Error(), tt.code)
		}
	}

	// alice may read metrics once she may view the namespace.
	alice := rest.AnonymousClientConfig(restCfg)
	aliceCert := clientCert(t, filepath.Join(dir, "server", "tls"), "alice")
	alice.TLSClientConfig.CertData, alice.TLSClientConfig.KeyData = certPEMs(t, aliceCert)
	ac := kubernetes.NewForConfigOrDie(alice).CoreV1().RESTClient()
	if err := ac.Get().AbsPath(podPath).Do(ctx).Error(); !apierrors.IsForbidden(err) {
		t.Errorf("alice get PodMetrics without a role: %v; want Forbidden", err)
	}
	if _, err := cs.RbacV1().RoleBindings("default").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "alice reads PodMetrics with view", func() (bool, error) {
		return ac.Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").Do(ctx).Error() == nil, nil
	})
}

// certPEMs encodes a client certificate and its key for a rest.Config.
func certPEMs(t *testing.T, c tls.Certificate) (certPEM, keyPEM []byte) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// TestMetricsAPIStarting: until its informers have synced, the metrics API
// answers 503, as an aggregated API whose server is not ready; a bad
// --metric-resolution stops the server before anything starts.
func TestMetricsAPIStarting(t *testing.T) {
	var l lateComputed
	if _, err := l.Get(context.Background(), "ns", "p"); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Get before the source is set: %v; want ServiceUnavailable", err)
	}
	if _, err := l.List(context.Background(), "", nil, nil); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("List before the source is set: %v; want ServiceUnavailable", err)
	}
	for _, d := range []time.Duration{-time.Second, time.Millisecond} {
		cfg := ServerConfig{DataDir: t.TempDir(), MetricResolution: d}
		if err := cfg.validate(); err == nil || err.Error() != "--metric-resolution "+d.String()+": must be at least 100ms" {
			t.Errorf("validate(--metric-resolution %s) = %v; want the flag named", d, err)
		}
	}
}
