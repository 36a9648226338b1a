package integration

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHPAToleranceDropped: as upstream 1.33, whose
// HPAConfigurableTolerance gate is alpha and off, the horizontal pod
// autoscaler strategy drops spec.behavior.scaleUp/scaleDown.tolerance on
// create and on an update of an HPA that had none
// (pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go
// dropDisabledFields).
func TestHPAToleranceDropped(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	hpas := shared.cs.AutoscalingV2().HorizontalPodAutoscalers(ns)
	tolerance := resource.MustParse("0.05")
	hpa := newHPAv2(ns, "tolerance")
	hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{Tolerance: &tolerance}}
	got, err := hpas.Create(ctx, hpa, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create HPA with a scale-up tolerance: %v", err)
	}
	if tol := got.Spec.Behavior.ScaleUp.Tolerance; tol != nil {
		t.Errorf("created HPA: scaleUp.tolerance %v; want dropped", tol)
	}

	got.Spec.Behavior.ScaleDown.Tolerance = &tolerance
	got, err = hpas.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update HPA with a scale-down tolerance: %v", err)
	}
	if tol := got.Spec.Behavior.ScaleDown.Tolerance; tol != nil {
		t.Errorf("updated HPA: scaleDown.tolerance %v; want dropped", tol)
	}
}
