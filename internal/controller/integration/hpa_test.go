package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/app"
	"github.com/skiff-dev/skiff/internal/controller/podautoscaler"
	"github.com/skiff-dev/skiff/internal/controller/replicaset"
)

func newHPA(target string, kind, apiVersion string, minR, maxR int32, util int32) *autoscalingv2.HorizontalPodAutoscaler {
	zero := int32(0)
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: target},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: kind, Name: target, APIVersion: apiVersion},
			MinReplicas:    &minR, MaxReplicas: maxR,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util}}}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &zero}},
		},
	}
}

func hpaCondition(h *autoscalingv2.HorizontalPodAutoscaler, typ autoscalingv2.HorizontalPodAutoscalerConditionType) autoscalingv2.HorizontalPodAutoscalerCondition {
	for _, c := range h.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return autoscalingv2.HorizontalPodAutoscalerCondition{}
}

// TestHPAWithoutPodMetrics: the server serves metrics.k8s.io, but the
// hollow nodes of these tests serve no kubelet port, so it has no pod
// metrics: the HPA says so in ScalingActive and an event, and leaves the
// scale alone.
func TestHPAWithoutPodMetrics(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "hpa-nometrics")
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", 2, "whoami"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, newHPA("web", "Deployment", "apps/v1", 1, 5, 50), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ScalingActive False FailedGetResourceMetric", func(ctx context.Context) (bool, string, error) {
		h, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		c := hpaCondition(h, autoscalingv2.ScalingActive)
		return c.Status == corev1.ConditionFalse && c.Reason == "FailedGetResourceMetric" &&
				strings.Contains(c.Message, "the HPA was unable to compute the replica count: failed to get cpu resource metric value: failed to get cpu utilization: "+
					"unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
			fmt.Sprintf("%+v", h.Status), nil
	})
	eventually(t, "FailedGetResourceMetric event", func(ctx context.Context) (bool, string, error) {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		for _, e := range evs.Items {
			if e.Reason == "FailedGetResourceMetric" && e.Source.Component == "horizontal-pod-autoscaler" && e.Type == corev1.EventTypeWarning {
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("%d events", len(evs.Items)), nil
	})
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Errorf("deployment replicas = %v, %v; want 2 untouched", d.Spec.Replicas, err)
	}
}

// fakeMetrics reports the same cpu usage for every pod the selector
// matches: milli each, or, while totalMilli is set, a fixed load shared
// by the pods (so scaling out lowers each pod's usage, as with real
// traffic). It stands in for the metrics.k8s.io API, whose usage comes
// from kubelets these tests do not serve.
type fakeMetrics struct {
	cs         kubernetes.Interface
	milli      atomic.Int64
	totalMilli atomic.Int64
}

func (f *fakeMetrics) PodMetrics(ctx context.Context, ns string, sel labels.Selector, res corev1.ResourceName) (map[string]podautoscaler.PodMetric, error) {
	pods, err := f.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	each := f.milli.Load()
	if total := f.totalMilli.Load(); total > 0 && len(pods.Items) > 0 {
		each = total / int64(len(pods.Items))
	}
	out := map[string]podautoscaler.PodMetric{}
	for _, p := range pods.Items {
		out[p.Name] = podautoscaler.PodMetric{Timestamp: time.Now(), Value: each}
	}
	return out, nil
}

// startAutoscalingServer runs a second server without the controller
// manager, with two hollow nodes, the ReplicaSet controller and an HPA
// controller reading fakeMetrics.
func startAutoscalingServer(t *testing.T, metrics *fakeMetrics) kubernetes.Interface {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := app.StartServer(context.Background(), app.ServerConfig{DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: dir + "/kubeconfig.yaml", Logger: log, DisableControllerManager: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	client, err := kubernetes.NewForConfig(s.Loopback())
	if err != nil {
		t.Fatal(err)
	}
	metrics.cs = client
	a, err := app.StartAgent(context.Background(), app.AgentConfig{REST: s.Loopback(), Simulate: 2, NodeNamePrefix: "hpa-", Logger: log,
		PodStartLatency: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(client, 0)
	rs := replicaset.New(replicaset.Config{Client: client, Factory: f, Logger: log})
	hpa := podautoscaler.New(podautoscaler.Config{Client: client, Factory: f, Metrics: metrics, SyncPeriod: 500 * time.Millisecond, Logger: log})
	f.Start(ctx.Done())
	done := make(chan struct{}, 2)
	go func() { _ = rs.Run(ctx); done <- struct{}{} }()
	go func() { _ = hpa.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done; f.Shutdown() })
	return client
}

func TestHPAScalesOnFakeMetrics(t *testing.T) {
	metrics := &fakeMetrics{}
	metrics.milli.Store(900)
	c := startAutoscalingServer(t, metrics)
	ctx := context.Background()
	ns := "default"
	rs := newReplicaSet("web", 2, "web")
	rs.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	// 180m shared by the pods: 90% of the 100m request on each of 2, 45%
	// (within the tolerance of the 50% target) on each of 4, so the
	// autoscaler rests at 4 instead of racing on towards maxReplicas.
	metrics.totalMilli.Store(180)
	if _, err := c.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, newHPA("web", "ReplicaSet", "apps/v1", 1, 6, 50), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHPA := func(want int32) {
		t.Helper()
		eventually(t, fmt.Sprintf("hpa at %d replicas", want), func(ctx context.Context) (bool, string, error) {
			h, err := c.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			r, err := c.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			active := hpaCondition(h, autoscalingv2.ScalingActive)
			return *r.Spec.Replicas == want && h.Status.DesiredReplicas == want && h.Status.LastScaleTime != nil &&
					active.Status == corev1.ConditionTrue && active.Reason == "ValidMetricFound" && len(h.Status.CurrentMetrics) == 1,
				fmt.Sprintf("rs %d, status %+v", *r.Spec.Replicas, h.Status), nil
		})
	}
	// 2 pods at 90% of a 50% target: ceil(2 * 1.8) = 4.
	waitHPA(4)
	eventually(t, "SuccessfulRescale event", func(ctx context.Context) (bool, string, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var seen []string
		for _, e := range evs.Items {
			if e.Reason == "SuccessfulRescale" {
				seen = append(seen, e.Message)
				if e.Message == "New size: 4; reason: cpu resource utilization (percentage of request) above target" {
					return true, "", nil
				}
			}
		}
		return false, fmt.Sprint(seen), nil
	})
	// Usage drops to 10%: with no scale-down window, straight to minReplicas.
	metrics.milli.Store(10)
	metrics.totalMilli.Store(0)
	waitHPA(1)
}
