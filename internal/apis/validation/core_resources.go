package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// resourceRequirements checks resource names and quantities and that each
// request is at most its limit (equal for extended resources and
// hugepages, which cannot be overcommitted).
func resourceRequirements(r *corev1.ResourceRequirements, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := fldPath.Child("limits"), fldPath.Child("requests")
	for name, q := range r.Limits {
		p := limPath.Key(string(name))
		errs = append(errs, containerResourceName(name, p)...)
		errs = append(errs, resourceQuantity(name, q, p)...)
	}
	for name, q := range r.Requests {
		p := reqPath.Key(string(name))
		errs = append(errs, containerResourceName(name, p)...)
		errs = append(errs, resourceQuantity(name, q, p)...)
		limit, ok := r.Limits[name]
		switch {
		case ok && !overcommitAllowed(name) && q.Cmp(limit) != 0:
			errs = append(errs, field.Invalid(reqPath, q.String(),
				fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case ok && q.Cmp(limit) > 0:
			errs = append(errs, field.Invalid(reqPath, q.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !ok && !overcommitAllowed(name):
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		}
	}
	return errs
}

// containerResourceName requires a standard container resource or an
// extended resource name with a domain.
func containerResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	s := string(name)
	errs := invalidMsgs(fldPath, s, content.IsLabelKey(s))
	if len(errs) > 0 {
		return errs
	}
	if !strings.Contains(s, "/") {
		if !standardContainerResource(name) {
			errs = append(errs, field.Invalid(fldPath, s, "must be a standard resource for containers"))
		}
		return errs
	}
	if !nativeResource(name) && strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		errs = append(errs, field.Invalid(fldPath, s, "doesn't follow extended resource name standard"))
	}
	return errs
}

// standardContainerResource reports cpu, memory, ephemeral-storage and
// hugepages-<size>.
func standardContainerResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return true
	}
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

// nativeResource reports names without a domain or in kubernetes.io.
func nativeResource(name corev1.ResourceName) bool {
	s := string(name)
	return !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix)
}

// overcommitAllowed reports whether requests may be below limits.
func overcommitAllowed(name corev1.ResourceName) bool {
	return nativeResource(name) && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

// resourceQuantity requires a non-negative quantity, and a whole number
// for extended resources.
func resourceQuantity(name corev1.ResourceName, q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), "must be greater than or equal to 0")}
	}
	if !nativeResource(name) && q.MilliValue()%1000 != 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), "must be an integer")}
	}
	return nil
}

// resourceList checks a plain resource list (quotas, limit ranges,
// capacities): qualified names and non-negative quantities.
func resourceList(list corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range list {
		p := fldPath.Key(string(name))
		errs = append(errs, invalidMsgs(p, string(name), content.IsLabelKey(string(name)))...)
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}
