package validation

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// affinity checks a pod's affinity as upstream's validateAffinity: node
// affinity, then pod affinity and anti-affinity terms as
// validatePodAffinity and validatePodAntiAffinity.
//
// On create the API server has already merged each term's matchLabelKeys
// and mismatchLabelKeys into its label selector, as upstream's pod
// strategy does before validating, so the checks see the merged selector;
// a stored pod's selector holds each merged key once and passes again on
// update.
func affinity(a *corev1.Affinity, fldPath *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	errs := nodeAffinity(a.NodeAffinity, fldPath.Child("nodeAffinity"))
	if pa := a.PodAffinity; pa != nil {
		p := fldPath.Child("podAffinity")
		errs = append(errs, affinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, p.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		errs = append(errs, weightedAffinityTerms(pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("preferredDuringSchedulingIgnoredDuringExecution"))...)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		p := fldPath.Child("podAntiAffinity")
		errs = append(errs, affinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, p.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		errs = append(errs, weightedAffinityTerms(pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("preferredDuringSchedulingIgnoredDuringExecution"))...)
	}
	return errs
}

func affinityTerms(terms []corev1.PodAffinityTerm, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range terms {
		errs = append(errs, affinityTerm(&terms[i], fldPath.Index(i))...)
	}
	return errs
}

func weightedAffinityTerms(terms []corev1.WeightedPodAffinityTerm, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range terms {
		idx := fldPath.Index(i)
		if w := terms[i].Weight; w <= 0 || w > 100 {
			errs = append(errs, field.Invalid(idx.Child("weight"), w, "must be in the range 1-100"))
		}
		errs = append(errs, affinityTerm(&terms[i].PodAffinityTerm, idx.Child("podAffinityTerm"))...)
	}
	return errs
}

// affinityTerm checks one term as upstream's validatePodAffinityTerm,
// whose namespaces errors name the field "namespace". The selectors'
// values are left to affinityLabelValues, as upstream checks them only
// when the old object has none invalid.
func affinityTerm(t *corev1.PodAffinityTerm, fldPath *field.Path) field.ErrorList {
	anyValue := unversioned.LabelSelectorValidationOptions{AllowInvalidLabelValueInSelector: true}
	errs := unversioned.ValidateLabelSelector(t.LabelSelector, anyValue, fldPath.Child("labelSelector"))
	errs = append(errs, unversioned.ValidateLabelSelector(t.NamespaceSelector, anyValue, fldPath.Child("namespaceSelector"))...)
	for _, ns := range t.Namespaces {
		errs = append(errs, invalidMsgs(fldPath.Child("namespace"), ns, dnsLabel(ns, false))...)
	}
	errs = append(errs, affinityLabelKeys(t, fldPath)...)
	if t.TopologyKey == "" {
		errs = append(errs, field.Required(fldPath.Child("topologyKey"), "can not be empty"))
	}
	return append(errs, unversioned.ValidateLabelName(t.TopologyKey, fldPath.Child("topologyKey"))...)
}

// affinityLabelKeys checks matchLabelKeys and mismatchLabelKeys as
// upstream's validateMatchLabelKeysAndMismatchLabelKeys: label names,
// forbidden without a label selector; a matchLabelKeys key whose merged
// requirement meets the key already in the selector (in matchLabels or an
// earlier expression) is reported at the term's path indexed by the key's
// position, as upstream does; and no key may be in both lists.
func affinityLabelKeys(t *corev1.PodAffinityTerm, fldPath *field.Path) field.ErrorList {
	errs := labelKeyNames(t.MatchLabelKeys, t.LabelSelector, fldPath.Child("matchLabelKeys"))
	errs = append(errs, labelKeyNames(t.MismatchLabelKeys, t.LabelSelector, fldPath.Child("mismatchLabelKeys"))...)
	if sel := t.LabelSelector; sel != nil {
		position := make(map[string]int, len(t.MatchLabelKeys))
		for i, k := range t.MatchLabelKeys {
			position[k] = i
		}
		seen := sets.New[string]()
		for k := range sel.MatchLabels {
			seen.Insert(k)
		}
		for _, req := range sel.MatchExpressions {
			if i, ok := position[req.Key]; ok && seen.Has(req.Key) {
				errs = append(errs, field.Invalid(fldPath.Index(i), req.Key, "exists in both matchLabelKeys and labelSelector"))
			}
			seen.Insert(req.Key)
		}
	}
	mismatch := sets.New(t.MismatchLabelKeys...)
	for i, k := range t.MatchLabelKeys {
		if mismatch.Has(k) {
			errs = append(errs, field.Invalid(fldPath.Child("matchLabelKeys").Index(i), k, "exists in both matchLabelKeys and mismatchLabelKeys"))
		}
	}
	return errs
}

// labelKeyNames checks one list of label keys: forbidden without a label
// selector, else each a label name.
func labelKeyNames(keys []string, sel *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	if len(keys) == 0 {
		return nil
	}
	if sel == nil {
		return field.ErrorList{field.Forbidden(fldPath, "must not be specified when labelSelector is not set")}
	}
	var errs field.ErrorList
	for i, k := range keys {
		errs = append(errs, unversioned.ValidateLabelName(k, fldPath.Index(i))...)
	}
	return errs
}
