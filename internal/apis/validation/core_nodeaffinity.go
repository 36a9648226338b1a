package validation

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// nodeAffinity checks a pod's node affinity as upstream's
// validateNodeAffinity: the required node selector needs at least one
// term, and its match expressions' values are left to
// affinityLabelValues, as upstream checks them only when the old object
// has none invalid; each preferred term has a weight of 1-100 and its
// values unchecked ("they can succeed when the cluster has only one
// node").
func nodeAffinity(na *corev1.NodeAffinity, fldPath *field.Path) field.ErrorList {
	if na == nil {
		return nil
	}
	var errs field.ErrorList
	if sel := na.RequiredDuringSchedulingIgnoredDuringExecution; sel != nil {
		errs = append(errs, nodeSelector(sel, false, fldPath.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
	}
	preferred := fldPath.Child("preferredDuringSchedulingIgnoredDuringExecution")
	for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		term := &na.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if term.Weight <= 0 || term.Weight > 100 {
			errs = append(errs, field.Invalid(preferred.Index(i).Child("weight"), term.Weight, "must be in the range 1-100"))
		}
		errs = append(errs, nodeSelectorTerm(&term.Preference, false, preferred.Index(i).Child("preference"))...)
	}
	return errs
}

// nodeSelector checks a required node selector as upstream's
// ValidateNodeSelector; checkValues asks for label-value checks of the
// match expressions' values.
func nodeSelector(sel *corev1.NodeSelector, checkValues bool, fldPath *field.Path) field.ErrorList {
	terms := fldPath.Child("nodeSelectorTerms")
	if len(sel.NodeSelectorTerms) == 0 {
		return field.ErrorList{field.Required(terms, "must have at least one node selector term")}
	}
	var errs field.ErrorList
	for i := range sel.NodeSelectorTerms {
		errs = append(errs, nodeSelectorTerm(&sel.NodeSelectorTerms[i], checkValues, terms.Index(i))...)
	}
	return errs
}

// nodeSelectorTerm checks a term's match expressions and match fields as
// upstream's ValidateNodeSelectorTerm.
func nodeSelectorTerm(term *corev1.NodeSelectorTerm, checkValues bool, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, req := range term.MatchExpressions {
		errs = append(errs, nodeSelectorRequirement(req, checkValues, fldPath.Child("matchExpressions").Index(i))...)
	}
	for i, req := range term.MatchFields {
		errs = append(errs, nodeFieldSelectorRequirement(req, fldPath.Child("matchFields").Index(i))...)
	}
	return errs
}

// nodeSelectorRequirement checks a label requirement as upstream's
// ValidateNodeSelectorRequirement: the number of values each operator
// takes, the key as a label name and, when checkValues, the values as
// label values.
func nodeSelectorRequirement(req corev1.NodeSelectorRequirement, checkValues bool, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch req.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(req.Values) == 0 {
			errs = append(errs, field.Required(fldPath.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		if len(req.Values) > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if len(req.Values) != 1 {
			errs = append(errs, field.Required(fldPath.Child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
		}
	default:
		errs = append(errs, field.Invalid(fldPath.Child("operator"), req.Operator, "not a valid selector operator"))
	}
	errs = append(errs, unversioned.ValidateLabelName(req.Key, fldPath.Child("key"))...)
	if checkValues {
		errs = append(errs, nodeSelectorValues(req, fldPath)...)
	}
	return errs
}

// nodeSelectorValues checks a requirement's values as label values.
func nodeSelectorValues(req corev1.NodeSelectorRequirement, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, v := range req.Values {
		errs = append(errs, invalidMsgs(fldPath.Child("values").Index(i), v, utilvalidation.IsValidLabelValue(v))...)
	}
	return errs
}

// nodeFieldSelectorRequirement checks a field requirement as upstream's
// ValidateNodeFieldSelectorRequirement: In or NotIn with exactly one
// value, and metadata.name, whose values are node names, the only key.
func nodeFieldSelectorRequirement(req corev1.NodeSelectorRequirement, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch req.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(req.Values) != 1 {
			errs = append(errs, field.Required(fldPath.Child("values"),
				"must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
		}
	default:
		errs = append(errs, field.Invalid(fldPath.Child("operator"), req.Operator, "not a valid selector operator"))
	}
	if req.Key != metav1.ObjectNameField {
		return append(errs, field.Invalid(fldPath.Child("key"), req.Key, "not a valid field selector key"))
	}
	for i, v := range req.Values {
		errs = append(errs, invalidMsgs(fldPath.Child("values").Index(i), v, dnsSubdomain(v, false))...)
	}
	return errs
}
