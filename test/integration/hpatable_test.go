package integration

import (
	"bytes"
	"encoding/json"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cpuMemoryHPA is an autoscaling/v2 HPA on a CPU utilization and a memory
// average value target, which autoscaling/v1 cannot express in full.
func cpuMemoryHPA(ns string) *autoscalingv2.HorizontalPodAutoscaler {
	fifty, gi := int32(50), resource.MustParse("1Gi")
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &fifty}}},
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &gi}}},
			},
		},
	}
}

// TestHPAV1Table: upstream prints a table from the internal object, before
// converting to the version asked for, so an autoscaling/v1 table of an HPA
// shows every metric autoscaling/v2 stores, as a v2 table does. A row's
// object (includeObject=Object) is still the autoscaling/v1 form.
func TestHPAV1Table(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	h, err := shared.cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, cpuMemoryHPA(ns), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	thirty, used := int32(30), resource.MustParse("600Mi")
	h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
			Current: autoscalingv2.MetricValueStatus{AverageUtilization: &thirty}}},
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceMemory,
			Current: autoscalingv2.MetricValueStatus{AverageValue: &used}}},
	}
	if _, err := shared.cs.AutoscalingV2().HorizontalPodAutoscalers(ns).UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	const want = "cpu: 30%/50%, memory: 600Mi/1Gi"
	v1 := "/apis/autoscaling/v1/namespaces/" + ns + "/horizontalpodautoscalers"
	for _, path := range []string{
		"/apis/autoscaling/v2/namespaces/" + ns + "/horizontalpodautoscalers",
		v1, v1 + "/web", v1 + "?includeObject=Object",
	} {
		table := getTable(t, path)
		if len(table.Rows) != 1 {
			t.Fatalf("GET %s as Table: %d rows; want 1", path, len(table.Rows))
		}
		if got := table.Rows[0].Cells[2]; got != want {
			t.Errorf("GET %s as Table: TARGETS %q; want %q", path, got, want)
		}
	}
	var obj metav1.TypeMeta
	table := getTable(t, v1+"?includeObject=Object")
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &obj); err != nil || obj.APIVersion != "autoscaling/v1" {
		t.Errorf("v1 table row object %s; want an autoscaling/v1 HorizontalPodAutoscaler (err %v)", table.Rows[0].Object.Raw, err)
	}
	if got := v1WatchTargets(t, v1); got != want {
		t.Errorf("watch %s as Table: TARGETS %q; want %q", v1, got, want)
	}
}

// v1WatchTargets watches path as Tables for a second and returns the
// TARGETS cell of the first event's row.
func v1WatchTargets(t *testing.T, path string) interface{} {
	t.Helper()
	resp, body := do(t, rawRequest{method: "GET", path: path + "?watch=true&timeoutSeconds=1", accept: tableAccept})
	if resp.StatusCode != 200 {
		t.Fatalf("watch %s as Table: %d %s", path, resp.StatusCode, body)
	}
	var ev struct {
		Type   string
		Object metav1.Table
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&ev); err != nil || len(ev.Object.Rows) != 1 {
		t.Fatalf("watch %s as Table: first event %s (err %v)", path, body, err)
	}
	return ev.Object.Rows[0].Cells[2]
}
