package defaults

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// Upstream's HPA v2 default values.
const (
	defaultCPUUtilization = int32(80)
	defaultPolicyPeriod   = int32(15)
)

// hpaV2 applies autoscaling/v2 HPA defaults: minReplicas 1, an 80% CPU
// target when no metric is given, and the behavior rules when behavior is
// set.
func hpaV2(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptrTo(int32(1))
	}
	if len(h.Spec.Metrics) == 0 {
		h.Spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{
					Type:               autoscalingv2.UtilizationMetricType,
					AverageUtilization: ptrTo(defaultCPUUtilization),
				},
			},
		}}
	}
	if b := h.Spec.Behavior; b != nil {
		b.ScaleUp = scalingRules(b.ScaleUp, scaleUpDefaults())
		b.ScaleDown = scalingRules(b.ScaleDown, scaleDownDefaults())
	}
}

// scaleUpDefaults is upstream's default scale-up rule: no stabilization,
// the larger of 4 pods or 100% per 15 s.
func scaleUpDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptrTo(int32(0)),
		SelectPolicy:               ptrTo(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: defaultPolicyPeriod},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: defaultPolicyPeriod},
		},
	}
}

// scaleDownDefaults is upstream's default scale-down rule: up to 100% per
// 15 s. The stabilization window stays unset so that the controller's
// configured downscale window (300 s by default) applies.
func scaleDownDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptrTo(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: defaultPolicyPeriod},
		},
	}
}

// scalingRules fills the unset parts of r from def; a nil r becomes def.
// An explicitly empty policy list is kept, as upstream, whose validation
// then requires at least one policy.
func scalingRules(r, def *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return def
	}
	if r.StabilizationWindowSeconds == nil {
		r.StabilizationWindowSeconds = def.StabilizationWindowSeconds
	}
	if r.SelectPolicy == nil {
		r.SelectPolicy = def.SelectPolicy
	}
	if r.Policies == nil {
		r.Policies = def.Policies
	}
	return r
}
