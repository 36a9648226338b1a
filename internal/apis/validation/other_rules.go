package validation

import (
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's limits on events.k8s.io/v1 fields.
const (
	maxEventFieldLength = 128
	maxEventNoteLength  = 1024
)

// validateEventV1 checks an events.k8s.io/v1 Event: the reporting fields
// are required and regarding.namespace must match.
func validateEventV1(ev *eventsv1.Event) field.ErrorList {
	errs := objectMeta(&ev.ObjectMeta, true, dnsSubdomain)
	if ev.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if ev.Type != corev1.EventTypeNormal && ev.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", ev.Type)))
	}
	if ev.ReportingController == "" {
		errs = append(errs, field.Required(field.NewPath("reportingController"), ""))
	} else {
		errs = append(errs, invalidMsgs(field.NewPath("reportingController"), ev.ReportingController, content.IsLabelKey(ev.ReportingController))...)
	}
	for name, v := range map[string]string{"reportingInstance": ev.ReportingInstance, "action": ev.Action, "reason": ev.Reason} {
		if v == "" {
			errs = append(errs, field.Required(field.NewPath(name), ""))
		} else if len(v) > maxEventFieldLength {
			errs = append(errs, field.Invalid(field.NewPath(name), "", fmt.Sprintf("can have at most %v characters", maxEventFieldLength)))
		}
	}
	if len(ev.Note) > maxEventNoteLength {
		errs = append(errs, field.Invalid(field.NewPath("note"), "", fmt.Sprintf("can have at most %v characters", maxEventNoteLength)))
	}
	if ns := ev.Regarding.Namespace; ns != "" && ns != ev.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("regarding", "namespace"), ns, "does not match event.namespace"))
	}
	return errs
}

// validateCSR checks a CertificateSigningRequest: request, signerName and
// unique usages are required.
func validateCSR(csr *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := objectMeta(&csr.ObjectMeta, false, pathSegment)
	if len(csr.Spec.Request) == 0 {
		errs = append(errs, field.Required(specPath.Child("request"), ""))
	}
	if csr.Spec.SignerName == "" {
		errs = append(errs, field.Required(specPath.Child("signerName"), ""))
	} else {
		errs = append(errs, invalidMsgs(specPath.Child("signerName"), csr.Spec.SignerName, content.IsLabelKey(csr.Spec.SignerName))...)
	}
	if len(csr.Spec.Usages) == 0 {
		errs = append(errs, field.Required(specPath.Child("usages"), ""))
	}
	seen := sets.New[certificatesv1.KeyUsage]()
	for i, u := range csr.Spec.Usages {
		if seen.Has(u) {
			errs = append(errs, field.Duplicate(specPath.Child("usages").Index(i), u))
		}
		seen.Insert(u)
	}
	return errs
}

// otherRules returns the rules of the remaining groups.
func otherRules(obj runtime.Object) (kindRules, bool) {
	switch obj.(type) {
	case *rbacv1.Role:
		return rules(validateRole, nil, nil), true
	case *rbacv1.ClusterRole:
		return rules(validateClusterRole, nil, nil), true
	case *rbacv1.RoleBinding:
		return rules(validateRoleBinding, validateRoleBindingUpdate, nil), true
	case *rbacv1.ClusterRoleBinding:
		return rules(validateClusterRoleBinding, validateClusterRoleBindingUpdate, nil), true
	case *networkingv1.NetworkPolicy:
		return rules(validateNetworkPolicy, nil, nil), true
	case *networkingv1.Ingress:
		return rules(validateIngress, nil, nil), true
	case *networkingv1.IngressClass:
		return rules(validateIngressClass, nil, nil), true
	case *policyv1.PodDisruptionBudget:
		return rules(validatePDB, nil, nil), true
	case *schedulingv1.PriorityClass:
		return rules(validatePriorityClass, validatePriorityClassUpdate, nil), true
	case *storagev1.StorageClass:
		return rules(validateStorageClass, validateStorageClassUpdate, nil), true
	case *coordinationv1.Lease:
		return rules(validateLease, nil, nil), true
	case *discoveryv1.EndpointSlice:
		return rules(validateEndpointSlice, validateEndpointSliceUpdate, nil), true
	case *eventsv1.Event:
		return rules(validateEventV1, nil, nil), true
	case *certificatesv1.CertificateSigningRequest:
		return rules(validateCSR, nil, nil), true
	}
	return kindRules{}, false
}
