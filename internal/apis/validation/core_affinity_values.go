package validation

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/podspec"
)

// The label values in a pod's affinity selectors are checked by the rules
// below rather than by podSpec because upstream checks them only when the
// old object, on an update, has no invalid ones
// (pkg/api/pod/util.go GetValidationOptionsFromPodSpecAndMeta:
// AllowInvalidLabelValueInSelector for the pod (anti-)affinity selectors,
// AllowInvalidLabelValueInRequiredNodeAffinity for the required node
// selector), so that an object stored while they went unchecked can still
// be updated. Pods and every kind with a pod template get them, as
// upstream's strategies pass the old template to
// GetValidationOptionsFromPodTemplate.

// withAffinityValues adds the affinity label-value checks to the rules of
// a kind that holds a pod spec: always on create, and on update unless
// the old object's spec already has invalid values.
func withAffinityValues(r kindRules) kindRules {
	create, update := r.createOnly, r.update
	r.createOnly = func(obj runtime.Object) field.ErrorList {
		var errs field.ErrorList
		if create != nil {
			errs = create(obj)
		}
		spec, _, fldPath := podspec.Of(obj)
		return append(errs, affinityLabelValues(spec, nil, fldPath)...)
	}
	r.update = func(obj, old runtime.Object) field.ErrorList {
		var errs field.ErrorList
		if update != nil {
			errs = update(obj, old)
		}
		spec, _, fldPath := podspec.Of(obj)
		oldSpec, _, _ := podspec.Of(old)
		return append(errs, affinityLabelValues(spec, oldSpec, fldPath)...)
	}
	return r
}

// affinityLabelValues checks the label values of spec's pod (anti-)affinity
// selectors unless old (nil on create) has an invalid selector there, as
// upstream's hasInvalidLabelValueInAffinitySelector, and those of its
// required node selector unless old has an invalid one there, as
// hasInvalidLabelValueInRequiredNodeAffinity.
func affinityLabelValues(spec, old *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	if spec == nil || spec.Affinity == nil {
		return nil
	}
	var oldAffinity *corev1.Affinity
	if old != nil {
		oldAffinity = old.Affinity
	}
	fldPath = fldPath.Child("affinity")
	var errs field.ErrorList
	if !requiredNodeValuesInvalid(oldAffinity) {
		errs = append(errs, requiredNodeValues(spec.Affinity.NodeAffinity, fldPath.Child("nodeAffinity"))...)
	}
	if !affinitySelectorsInvalid(oldAffinity) {
		errs = append(errs, affinitySelectorValues(spec.Affinity, fldPath)...)
	}
	return errs
}

// requiredNodeValues checks the values of the required node selector's
// match expressions as label values, as upstream's
// ValidateNodeSelectorRequirement does when they are not allowed invalid.
func requiredNodeValues(na *corev1.NodeAffinity, fldPath *field.Path) field.ErrorList {
	if na == nil || na.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return nil
	}
	terms := fldPath.Child("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
	var errs field.ErrorList
	for i, term := range na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for j, req := range term.MatchExpressions {
			errs = append(errs, nodeSelectorValues(req, terms.Index(i).Child("matchExpressions").Index(j))...)
		}
	}
	return errs
}

// requiredNodeValuesInvalid reports whether a (possibly nil) has a value
// that is no label value in its required node selector's match
// expressions, as upstream's HasInvalidLabelValueInNodeSelectorTerms.
func requiredNodeValuesInvalid(a *corev1.Affinity) bool {
	if a == nil || a.NodeAffinity == nil {
		return false
	}
	return len(requiredNodeValues(a.NodeAffinity, field.NewPath(""))) > 0
}

// affinityTermVisitor is called with each pod (anti-)affinity term and
// its path.
type affinityTermVisitor func(t *corev1.PodAffinityTerm, fldPath *field.Path)

// visitAffinityTerms calls visit with every pod affinity and anti-affinity
// term of a, required ones before preferred ones.
func visitAffinityTerms(a *corev1.Affinity, fldPath *field.Path, visit affinityTermVisitor) {
	visitTerms := func(required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm, p *field.Path) {
		for i := range required {
			visit(&required[i], p.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i))
		}
		for i := range preferred {
			visit(&preferred[i].PodAffinityTerm, p.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("podAffinityTerm"))
		}
	}
	if pa := a.PodAffinity; pa != nil {
		visitTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, fldPath.Child("podAffinity"))
	}
	if pa := a.PodAntiAffinity; pa != nil {
		visitTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, fldPath.Child("podAntiAffinity"))
	}
}

// affinitySelectorValues checks the values of the pod (anti-)affinity
// terms' label and namespace selectors' match expressions as label
// values, the check upstream's ValidateLabelSelector makes unless
// AllowInvalidLabelValueInSelector.
func affinitySelectorValues(a *corev1.Affinity, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	visitAffinityTerms(a, fldPath, func(t *corev1.PodAffinityTerm, p *field.Path) {
		errs = append(errs, selectorValues(t.LabelSelector, p.Child("labelSelector"))...)
		errs = append(errs, selectorValues(t.NamespaceSelector, p.Child("namespaceSelector"))...)
	})
	return errs
}

// selectorValues checks the values of sel's match expressions as label
// values.
func selectorValues(sel *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	if sel == nil {
		return nil
	}
	var errs field.ErrorList
	for i, req := range sel.MatchExpressions {
		values := fldPath.Child("matchExpressions").Index(i).Child("values")
		for j, v := range req.Values {
			errs = append(errs, invalidMsgs(values.Index(j), v, utilvalidation.IsValidLabelValue(v))...)
		}
	}
	return errs
}

// affinitySelectorsInvalid reports whether a (possibly nil) has a pod
// (anti-)affinity term whose label or namespace selector fails strict
// validation, as upstream's hasInvalidLabelValueInAffinitySelector.
func affinitySelectorsInvalid(a *corev1.Affinity) bool {
	if a == nil {
		return false
	}
	invalid := false
	strict := unversioned.LabelSelectorValidationOptions{}
	visitAffinityTerms(a, field.NewPath(""), func(t *corev1.PodAffinityTerm, _ *field.Path) {
		if len(unversioned.ValidateLabelSelector(t.LabelSelector, strict, nil))+len(unversioned.ValidateLabelSelector(t.NamespaceSelector, strict, nil)) > 0 {
			invalid = true
		}
	})
	return invalid
}
