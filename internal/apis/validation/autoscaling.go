package validation

import (
	"fmt"
	"slices"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's bounds of a scaling policy's period and of a stabilization
// window, in seconds.
const (
	maxPeriodSeconds        = 1800
	maxStabilizationSeconds = 3600
)

var (
	metricSourceTypes = []autoscalingv2.MetricSourceType{autoscalingv2.ContainerResourceMetricSourceType,
		autoscalingv2.ExternalMetricSourceType, autoscalingv2.ObjectMetricSourceType,
		autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType}
	// selectPolicies and scalingTypes are sorted, as upstream lists them
	// in its NotSupported messages.
	selectPolicies = []autoscalingv2.ScalingPolicySelect{autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}
	scalingTypes   = []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}
)

// hpaCommon checks the replica bounds and scaleTargetRef, in upstream's
// order (validateHorizontalPodAutoscalerSpec); minReplicas 0 needs the
// HPAScaleToZero gate, off in 1.33.
func hpaCommon(kind, name string, minReplicas *int32, maxReplicas int32) field.ErrorList {
	var errs field.ErrorList
	if minReplicas != nil && *minReplicas < 1 {
		errs = append(errs, field.Invalid(specPath.Child("minReplicas"), *minReplicas, "must be greater than or equal to 1"))
	}
	if maxReplicas < 1 {
		errs = append(errs, field.Invalid(specPath.Child("maxReplicas"), maxReplicas, "must be greater than 0"))
	}
	if minReplicas != nil && maxReplicas < *minReplicas {
		errs = append(errs, field.Invalid(specPath.Child("maxReplicas"), maxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	return append(errs, crossVersionRef(kind, name, specPath.Child("scaleTargetRef"))...)
}

func validateHPAv1(h *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
	errs := objectMeta(&h.ObjectMeta, true, dnsSubdomain)
	s := &h.Spec
	errs = append(errs, hpaCommon(s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name, s.MinReplicas, s.MaxReplicas)...)
	// Upstream validates the v2 form a v1 HPA converts to, whose metrics
	// are never Object or External ones.
	errs = append(errs, hpaMetrics(nil, s.MinReplicas, specPath.Child("metrics"))...)
	if t := s.TargetCPUUtilizationPercentage; t != nil && *t < 1 {
		errs = append(errs, field.Invalid(specPath.Child("targetCPUUtilizationPercentage"), *t, "must be greater than 0"))
	}
	return errs
}

func validateHPAv2(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := objectMeta(&h.ObjectMeta, true, dnsSubdomain)
	s := &h.Spec
	errs = append(errs, hpaCommon(s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name, s.MinReplicas, s.MaxReplicas)...)
	errs = append(errs, hpaMetrics(s.Metrics, s.MinReplicas, specPath.Child("metrics"))...)
	if b := s.Behavior; b != nil {
		errs = append(errs, scalingRules(b.ScaleUp, specPath.Child("behavior", "scaleUp"))...)
		errs = append(errs, scalingRules(b.ScaleDown, specPath.Child("behavior", "scaleDown"))...)
	}
	return errs
}

// scalingRules checks one direction of spec.behavior as upstream's
// validateScalingRules: a given rules block needs at least one policy, so
// `policies: []` is rejected while an unset list was filled by defaulting,
// and a tolerance must not be negative.
func scalingRules(r *autoscalingv2.HPAScalingRules, fldPath *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil && *w < 0 {
		errs = append(errs, field.Invalid(fldPath.Child("stabilizationWindowSeconds"), *w, "must be greater than or equal to zero"))
	}
	if w := r.StabilizationWindowSeconds; w != nil && *w > maxStabilizationSeconds {
		errs = append(errs, field.Invalid(fldPath.Child("stabilizationWindowSeconds"), *w,
			fmt.Sprintf("must be less than or equal to %d", maxStabilizationSeconds)))
	}
	if r.SelectPolicy != nil && !slices.Contains(selectPolicies, *r.SelectPolicy) {
		errs = append(errs, field.NotSupported(fldPath.Child("selectPolicy"), *r.SelectPolicy, selectPolicies))
	}
	policies := fldPath.Child("policies")
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(policies, "must specify at least one Policy"))
	}
	for i, p := range r.Policies {
		errs = append(errs, scalingPolicy(p, policies.Index(i))...)
	}
	// A tolerance reaches validation only when the stored HPA already has
	// one (dropDisabledFields in internal/apiserver); upstream checks it
	// with ValidateNonnegativeQuantity whether or not its gate is on.
	if tol := r.Tolerance; tol != nil && tol.Sign() < 0 {
		errs = append(errs, field.Invalid(fldPath.Child("tolerance"), tol.String(), "must be greater than or equal to 0"))
	}
	return errs
}

// scalingPolicy checks one policy as upstream's validateScalingPolicy; an
// empty type is NotSupported there, not Required.
func scalingPolicy(p autoscalingv2.HPAScalingPolicy, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(scalingTypes, p.Type) {
		errs = append(errs, field.NotSupported(fldPath.Child("type"), p.Type, scalingTypes))
	}
	if p.Value <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("value"), p.Value, "must be greater than zero"))
	}
	if p.PeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("periodSeconds"), p.PeriodSeconds, "must be greater than zero"))
	}
	if p.PeriodSeconds > maxPeriodSeconds {
		errs = append(errs, field.Invalid(fldPath.Child("periodSeconds"), p.PeriodSeconds,
			fmt.Sprintf("must be less than or equal to %d", maxPeriodSeconds)))
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
