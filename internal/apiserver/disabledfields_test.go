package apiserver

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestDropHPATolerance follows upstream's horizontalpodautoscaler strategy
// (pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go
// dropDisabledFields) with HPAConfigurableTolerance off, as in 1.33: a
// tolerance is dropped from both directions unless the stored HPA
// already sets one.
func TestDropHPATolerance(t *testing.T) {
	withTolerance := func(up, down string) *autoscalingv2.HorizontalPodAutoscaler {
		rules := func(v string) *autoscalingv2.HPAScalingRules {
			r := &autoscalingv2.HPAScalingRules{}
			if v != "" {
				q := resource.MustParse(v)
				r.Tolerance = &q
			}
			return r
		}
		h := &autoscalingv2.HorizontalPodAutoscaler{}
		h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(up), ScaleDown: rules(down)}
		return h
	}
	tests := []struct {
		name     string
		old      *autoscalingv2.HorizontalPodAutoscaler
		wantKept bool
	}{
		{"create", nil, false},
		{"update of an HPA without tolerance", withTolerance("", ""), false},
		{"update of an HPA with a scale-down tolerance", withTolerance("", "0.1"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := withTolerance("0.05", "0.2")
			dropDisabledFields(h, tc.old)
			up, down := h.Spec.Behavior.ScaleUp.Tolerance, h.Spec.Behavior.ScaleDown.Tolerance
			if kept := up != nil && down != nil; kept != tc.wantKept || (!kept && (up != nil || down != nil)) {
				t.Errorf("dropDisabledFields(tolerances 0.05/0.2, %s): scaleUp %v, scaleDown %v; want kept %v", tc.name, up, down, tc.wantKept)
			}
		})
	}
}

// TestDropDisabledPodFieldsInUse follows upstream's DropDisabledPodFields:
// a gated field is kept on an update when the stored pod already uses it,
// and dropped when it does not.
func TestDropDisabledPodFieldsInUse(t *testing.T) {
	withResources := func() *corev1.Pod {
		p := &corev1.Pod{}
		p.Spec.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}
		p.Status.ObservedGeneration = 2
		return p
	}
	tests := []struct {
		name string
		old  *corev1.Pod
		keep bool
	}{
		{"create", nil, false},
		{"stored pod without them", &corev1.Pod{}, false},
		{"stored pod with them", withResources(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := withResources()
			var old runtime.Object
			if tt.old != nil {
				old = tt.old
			}
			dropDisabledPodFields(pod, old)
			if kept := pod.Spec.Resources != nil && pod.Status.ObservedGeneration == 2; kept != tt.keep {
				t.Errorf("spec.resources %v, status.observedGeneration %d; want kept: %v", pod.Spec.Resources, pod.Status.ObservedGeneration, tt.keep)
			}
		})
	}
}
