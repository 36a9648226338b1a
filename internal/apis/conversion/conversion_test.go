package conversion

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func TestHPARoundTrip(t *testing.T) {
	v1 := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    ptr(int32(2)), MaxReplicas: 10, TargetCPUUtilizationPercentage: ptr(int32(50)),
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 4, CurrentCPUUtilizationPercentage: ptr(int32(70))},
	}
	v2 := HPAToV2(v1, nil)
	if got := v2.Spec.Metrics[0].Resource.Target.AverageUtilization; got == nil || *got != 50 {
		t.Fatalf("HPAToV2 cpu target = %v; want 50", got)
	}
	back := HPAToV1(v2)
	back.TypeMeta = v1.TypeMeta
	if !equality.Semantic.DeepEqual(back, v1) {
		t.Errorf("HPAToV1(HPAToV2(x)) = %+v; want %+v", back, v1)
	}
}

func TestHPAToV2KeepsV2OnlyFields(t *testing.T) {
	mem := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("1Gi"))}}}
	prev := &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		Metrics:  []autoscalingv2.MetricSpec{mem},
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(60))}},
	}}
	v1 := &autoscalingv1.HorizontalPodAutoscaler{Spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 3, TargetCPUUtilizationPercentage: ptr(int32(80))}}
	got := HPAToV2(v1, prev)
	if len(got.Spec.Metrics) != 2 || got.Spec.Metrics[1].Resource.Name != corev1.ResourceMemory {
		t.Errorf("HPAToV2 metrics = %+v; want cpu then the stored memory metric", got.Spec.Metrics)
	}
	if got.Spec.Behavior == nil || *got.Spec.Behavior.ScaleDown.StabilizationWindowSeconds != 60 {
		t.Errorf("HPAToV2 behavior = %+v; want the stored behavior", got.Spec.Behavior)
	}
}

func TestEventRoundTrip(t *testing.T) {
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "e", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p", Namespace: "default"},
		Reason:         "Started", Message: "started container", Type: corev1.EventTypeNormal,
		Source: corev1.EventSource{Component: "kubelet"}, Count: 3,
		ReportingController: "kubelet", ReportingInstance: "n1", Action: "Start",
		Series: &corev1.EventSeries{Count: 2},
	}
	v1 := EventToEventsV1(ev)
	if v1.Note != ev.Message || v1.Regarding.Name != "p" || v1.DeprecatedCount != 3 {
		t.Fatalf("EventToEventsV1 = %+v; want note, regarding and count carried", v1)
	}
	back := EventToCore(v1)
	back.TypeMeta = ev.TypeMeta
	if !equality.Semantic.DeepEqual(back, ev) {
		t.Errorf("EventToCore(EventToEventsV1(x)) = %+v; want %+v", back, ev)
	}
}
