package apiserver

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
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
