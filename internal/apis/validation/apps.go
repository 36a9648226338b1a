package validation

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const selectorMismatch = "`selector` does not match template `labels`"

var (
	deploymentStrategies = []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType}
	daemonSetStrategies  = []appsv1.DaemonSetUpdateStrategyType{appsv1.OnDeleteDaemonSetStrategyType, appsv1.RollingUpdateDaemonSetStrategyType}
	retentionPolicies    = []appsv1.PersistentVolumeClaimRetentionPolicyType{appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
)

// workloadSelector checks a required, non-empty selector that matches the
// template labels; kind names the workload in the empty-selector message.
func workloadSelector(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, kind string) field.ErrorList {
	selPath := specPath.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(selPath, "")}
	}
	errs := labelSelector(sel, selPath)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(selPath, sel, "empty selector is invalid for "+kind))
	}
	return append(errs, selectorMatches(sel, t.Labels, specPath.Child("template", "metadata", "labels"))...)
}

// selectorMatches reports a selector that does not select the labels.
func selectorMatches(sel *metav1.LabelSelector, lbls map[string]string, fldPath *field.Path) field.ErrorList {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil // reported by labelSelector
	}
	if !s.Empty() && !s.Matches(labels.Set(lbls)) {
		return field.ErrorList{field.Invalid(fldPath, lbls, selectorMismatch)}
	}
	return nil
}

// workloadTemplateRules requires restartPolicy Always and no
// activeDeadlineSeconds in a long-running workload's pod template.
func workloadTemplateRules(s *corev1.PodSpec, fldPath *field.Path, kind string) field.ErrorList {
	var errs field.ErrorList
	if s.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(fldPath.Child("restartPolicy"), s.RestartPolicy,
			[]corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if s.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(fldPath.Child("activeDeadlineSeconds"),
			fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

// workloadTemplate validates the template of a long-running workload.
func workloadTemplate(t *corev1.PodTemplateSpec, kind string) field.ErrorList {
	errs := podTemplateSpec(t, specPath.Child("template"))
	return append(errs, workloadTemplateRules(&t.Spec, specPath.Child("template", "spec"), kind)...)
}

// validateDeployment checks a Deployment on create.
func validateDeployment(d *appsv1.Deployment) field.ErrorList {
	errs := objectMeta(&d.ObjectMeta, true, dnsSubdomain)
	s := &d.Spec
	errs = append(errs, nonNegativePtr(s.Replicas, specPath.Child("replicas"))...)
	errs = append(errs, workloadSelector(s.Selector, &s.Template, "deployment")...)
	errs = append(errs, workloadTemplate(&s.Template, "ReplicaSet")...)
	errs = append(errs, deploymentStrategy(&s.Strategy, specPath.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, nonNegativePtr(s.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if p := s.ProgressDeadlineSeconds; p != nil {
		errs = append(errs, nonNegative(int64(*p), specPath.Child("progressDeadlineSeconds"))...)
		if *p <= s.MinReadySeconds {
			errs = append(errs, field.Invalid(specPath.Child("progressDeadlineSeconds"), *p, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// deploymentStrategy checks the strategy type and rolling parameters.
func deploymentStrategy(st *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(fldPath.Child("rollingUpdate"),
				"may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if st.RollingUpdate == nil {
			return field.ErrorList{field.Required(fldPath.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return rollingParams(st.RollingUpdate.MaxUnavailable, st.RollingUpdate.MaxSurge, fldPath.Child("rollingUpdate"))
	default:
		return enumRequired(st.Type, deploymentStrategies, fldPath.Child("type"))
	}
	return nil
}

// rollingParams checks maxUnavailable and maxSurge: non-negative ints or
// percents, not both zero, maxUnavailable at most 100%.
func rollingParams(maxUnavailable, maxSurge *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	errs := intOrPercent(maxUnavailable, fldPath.Child("maxUnavailable"))
	errs = append(errs, intOrPercent(maxSurge, fldPath.Child("maxSurge"))...)
	if intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0 {
		errs = append(errs, field.Invalid(fldPath.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, notMoreThan100Percent(maxUnavailable, fldPath.Child("maxUnavailable"))...)
}

// intOrPercent checks a non-negative int or a "N%" string.
func intOrPercent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.String {
		return invalidMsgs(fldPath, v, utilvalidation.IsValidPercent(v.StrVal))
	}
	return nonNegative(int64(v.IntValue()), fldPath)
}

// intOrPercentValue returns the number of an int or percent, or -1 when
// it does not parse.
func intOrPercentValue(v *intstr.IntOrString) int {
	if v == nil {
		return 0
	}
	if v.Type == intstr.Int {
		return v.IntValue()
	}
	var n int
	if _, err := fmt.Sscanf(v.StrVal, "%d%%", &n); err != nil || len(utilvalidation.IsValidPercent(v.StrVal)) > 0 {
		return -1
	}
	return n
}

// notMoreThan100Percent caps a percentage at 100%.
func notMoreThan100Percent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if v == nil || v.Type != intstr.String || intOrPercentValue(v) <= 100 {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, v, "must not be greater than 100%")}
}

// validateReplicaSet checks a ReplicaSet on create.
func validateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := objectMeta(&rs.ObjectMeta, true, dnsSubdomain)
	errs = append(errs, nonNegativePtr(rs.Spec.Replicas, specPath.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(rs.Spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, workloadSelector(rs.Spec.Selector, &rs.Spec.Template, "deployment")...)
	return append(errs, workloadTemplate(&rs.Spec.Template, "ReplicaSet")...)
}

// validateDaemonSet checks a DaemonSet on create.
func validateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := objectMeta(&ds.ObjectMeta, true, dnsSubdomain)
	s := &ds.Spec
	errs = append(errs, workloadSelector(s.Selector, &s.Template, "daemonset")...)
	errs = append(errs, podTemplateSpec(&s.Template, specPath.Child("template"))...)
	if s.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(specPath.Child("template", "spec", "restartPolicy"),
			s.Template.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if s.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(specPath.Child("template", "spec", "activeDeadlineSeconds"),
			*s.Template.Spec.ActiveDeadlineSeconds, "activeDeadlineSeconds must be nil for daemonset"))
	}
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, nonNegativePtr(s.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	st, stPath := &s.UpdateStrategy, specPath.Child("updateStrategy")
	errs = append(errs, enumRequired(st.Type, daemonSetStrategies, stPath.Child("type"))...)
	if st.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if st.RollingUpdate == nil {
			errs = append(errs, field.Required(stPath.Child("rollingUpdate"), ""))
		} else {
			errs = append(errs, rollingParams(st.RollingUpdate.MaxUnavailable, st.RollingUpdate.MaxSurge, stPath.Child("rollingUpdate"))...)
		}
	}
	return errs
}

// selectorUpdate keeps a workload's selector.
func selectorUpdate(sel, old *metav1.LabelSelector) field.ErrorList {
	if equality.Semantic.DeepEqual(sel, old) {
		return nil
	}
	return field.ErrorList{field.Invalid(specPath.Child("selector"), sel, "field is immutable")}
}

func validateDeploymentUpdate(d, old *appsv1.Deployment) field.ErrorList {
	return selectorUpdate(d.Spec.Selector, old.Spec.Selector)
}

func validateReplicaSetUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	return selectorUpdate(rs.Spec.Selector, old.Spec.Selector)
}

func validateDaemonSetUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	return selectorUpdate(ds.Spec.Selector, old.Spec.Selector)
}
