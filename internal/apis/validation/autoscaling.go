package validation

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	maxPeriodSeconds        = 1800
	maxStabilizationSeconds = 3600
)

var (
	metricSourceTypes = []autoscalingv2.MetricSourceType{autoscalingv2.ContainerResourceMetricSourceType,
		autoscalingv2.ExternalMetricSourceType, autoscalingv2.ObjectMetricSourceType,
		autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType}
	selectPolicies = []autoscalingv2.ScalingPolicySelect{autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}
	scalingTypes   = []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}
)

// hpaCommon checks scaleTargetRef and the replica bounds.
func hpaCommon(kind, name string, minReplicas *int32, maxReplicas int32) field.ErrorList {
	var errs field.ErrorList
	ref := specPath.Child("scaleTargetRef")
	if kind == "" {
		errs = append(errs, field.Required(ref.Child("kind"), ""))
	}
	if name == "" {
		errs = append(errs, field.Required(ref.Child("name"), ""))
	} else {
		errs = append(errs, invalidMsgs(ref.Child("name"), name, pathSegment(name, false))...)
	}
	if minReplicas != nil && *minReplicas < 1 {
		errs = append(errs, field.Invalid(specPath.Child("minReplicas"), *minReplicas, "must be greater than or equal to 1"))
	}
	if maxReplicas < 1 {
		errs = append(errs, field.Invalid(specPath.Child("maxReplicas"), maxReplicas, "must be greater than 0"))
	}
	if minReplicas != nil && maxReplicas < *minReplicas {
		errs = append(errs, field.Invalid(specPath.Child("maxReplicas"), maxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	return errs
}

func validateHPAv1(h *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
	errs := objectMeta(&h.ObjectMeta, true, dnsSubdomain)
	s := &h.Spec
	errs = append(errs, hpaCommon(s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name, s.MinReplicas, s.MaxReplicas)...)
	if t := s.TargetCPUUtilizationPercentage; t != nil && *t < 1 {
		errs = append(errs, field.Invalid(specPath.Child("targetCPUUtilizationPercentage"), *t, "must be greater than 0"))
	}
	return errs
}

func validateHPAv2(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := objectMeta(&h.ObjectMeta, true, dnsSubdomain)
	s := &h.Spec
	errs = append(errs, hpaCommon(s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name, s.MinReplicas, s.MaxReplicas)...)
	for i, m := range s.Metrics {
		p := specPath.Child("metrics").Index(i)
		errs = append(errs, enumRequired(m.Type, metricSourceTypes, p.Child("type"))...)
		set := map[autoscalingv2.MetricSourceType]bool{
			autoscalingv2.ObjectMetricSourceType: m.Object != nil, autoscalingv2.PodsMetricSourceType: m.Pods != nil,
			autoscalingv2.ResourceMetricSourceType: m.Resource != nil, autoscalingv2.ContainerResourceMetricSourceType: m.ContainerResource != nil,
			autoscalingv2.ExternalMetricSourceType: m.External != nil,
		}
		if ok, known := set[m.Type]; known && !ok {
			errs = append(errs, field.Required(p, "must populate information for the given metric source"))
		}
	}
	if b := s.Behavior; b != nil {
		errs = append(errs, scalingRules(b.ScaleUp, specPath.Child("behavior", "scaleUp"))...)
		errs = append(errs, scalingRules(b.ScaleDown, specPath.Child("behavior", "scaleDown"))...)
	}
	return errs
}

// scalingRules checks stabilization, selectPolicy and policies.
func scalingRules(r *autoscalingv2.HPAScalingRules, fldPath *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil && (*w < 0 || *w > maxStabilizationSeconds) {
		errs = append(errs, field.Invalid(fldPath.Child("stabilizationWindowSeconds"), *w,
			"must be greater than or equal to zero and less than or equal to 3600"))
	}
	if r.SelectPolicy != nil {
		errs = append(errs, enumRequired(*r.SelectPolicy, selectPolicies, fldPath.Child("selectPolicy"))...)
	}
	for i, p := range r.Policies {
		idx := fldPath.Child("policies").Index(i)
		errs = append(errs, enumRequired(p.Type, scalingTypes, idx.Child("type"))...)
		if p.Value <= 0 {
			errs = append(errs, field.Invalid(idx.Child("value"), p.Value, "must be greater than zero"))
		}
		if p.PeriodSeconds <= 0 || p.PeriodSeconds > maxPeriodSeconds {
			errs = append(errs, field.Invalid(idx.Child("periodSeconds"), p.PeriodSeconds,
				"must be greater than zero and less than or equal to 1800"))
		}
	}
	return errs
}

// workloadRules returns the rules of apps, batch and autoscaling kinds.
func workloadRules(obj runtime.Object) (kindRules, bool) {
	if r, ok := appsRules(obj); ok {
		return r, true
	}
	if r, ok := batchRules(obj); ok {
		return r, true
	}
	switch obj.(type) {
	case *autoscalingv1.HorizontalPodAutoscaler:
		return rules(validateHPAv1, nil, nil), true
	case *autoscalingv2.HorizontalPodAutoscaler:
		return rules(validateHPAv2, nil, nil), true
	}
	return kindRules{}, false
}
