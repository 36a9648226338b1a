package validation

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var limitTypes = []corev1.LimitType{corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim, corev1.LimitTypePod}

// validateNode checks a Node: pod CIDRs and taints.
func validateNode(n *corev1.Node) field.ErrorList {
	errs := objectMeta(&n.ObjectMeta, false, dnsSubdomain)
	for i, cidr := range n.Spec.PodCIDRs {
		errs = append(errs, utilvalidation.IsValidCIDR(specPath.Child("podCIDRs").Index(i), cidr)...)
	}
	errs = append(errs, taints(n.Spec.Taints, specPath.Child("taints"))...)
	errs = append(errs, resourceList(n.Status.Capacity, field.NewPath("status", "capacity"))...)
	errs = append(errs, resourceList(n.Status.Allocatable, field.NewPath("status", "allocatable"))...)
	return errs
}

// validateNodeUpdate keeps podCIDR(s) once set.
func validateNodeUpdate(n, old *corev1.Node) field.ErrorList {
	if len(old.Spec.PodCIDRs) == 0 {
		return nil
	}
	if len(n.Spec.PodCIDRs) != len(old.Spec.PodCIDRs) {
		return field.ErrorList{field.Forbidden(specPath.Child("podCIDRs"), "node updates may not change podCIDR except from \"\" to valid")}
	}
	for i := range old.Spec.PodCIDRs {
		if n.Spec.PodCIDRs[i] != old.Spec.PodCIDRs[i] {
			return field.ErrorList{field.Forbidden(specPath.Child("podCIDRs"), "node updates may not change podCIDR except from \"\" to valid")}
		}
	}
	return nil
}

// validateNodeStatus checks node capacities on a status update.
func validateNodeStatus(n, _ *corev1.Node) field.ErrorList {
	errs := resourceList(n.Status.Capacity, field.NewPath("status", "capacity"))
	return append(errs, resourceList(n.Status.Allocatable, field.NewPath("status", "allocatable"))...)
}

// validateEndpoints checks addresses and ports of each subset.
func validateEndpoints(e *corev1.Endpoints) field.ErrorList {
	errs := objectMeta(&e.ObjectMeta, true, dnsSubdomain)
	for i, ss := range e.Subsets {
		idx := field.NewPath("subsets").Index(i)
		for j, a := range ss.Addresses {
			errs = append(errs, ipAddress(a.IP, idx.Child("addresses").Index(j).Child("ip"))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, ipAddress(a.IP, idx.Child("notReadyAddresses").Index(j).Child("ip"))...)
		}
		for j, p := range ss.Ports {
			pp := idx.Child("ports").Index(j)
			if len(ss.Ports) > 1 && p.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			} else if p.Name != "" {
				errs = append(errs, invalidMsgs(pp.Child("name"), p.Name, utilvalidation.IsDNS1123Label(p.Name))...)
			}
			errs = append(errs, invalidMsgs(pp.Child("port"), p.Port, utilvalidation.IsValidPortNum(int(p.Port)))...)
			errs = append(errs, enumRequired(p.Protocol, portProtocols, pp.Child("protocol"))...)
		}
	}
	return errs
}

// validateEvent checks a core/v1 Event: its namespace must match the
// involved object's.
func validateEvent(ev *corev1.Event) field.ErrorList {
	errs := objectMeta(&ev.ObjectMeta, true, dnsSubdomain)
	nsPath := field.NewPath("involvedObject", "namespace")
	if ev.InvolvedObject.Namespace == "" {
		if ev.Namespace != metav1.NamespaceNone && ev.Namespace != metav1.NamespaceDefault {
			errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, "does not match event.namespace"))
		}
	} else if ev.Namespace != ev.InvolvedObject.Namespace {
		errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, "does not match event.namespace"))
	}
	if ev.Type != "" && ev.Type != corev1.EventTypeNormal && ev.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", "has invalid value: "+ev.Type))
	}
	return errs
}

// validateLimitRange checks item types and quantities.
func validateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	errs := objectMeta(&lr.ObjectMeta, true, dnsSubdomain)
	for i, it := range lr.Spec.Limits {
		idx := specPath.Child("limits").Index(i)
		errs = append(errs, enumRequired(it.Type, limitTypes, idx.Child("type"))...)
		errs = append(errs, resourceList(it.Max, idx.Child("max"))...)
		errs = append(errs, resourceList(it.Min, idx.Child("min"))...)
		errs = append(errs, resourceList(it.Default, idx.Child("default"))...)
		errs = append(errs, resourceList(it.DefaultRequest, idx.Child("defaultRequest"))...)
	}
	return errs
}

// validateResourceQuota checks hard limits.
func validateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	errs := objectMeta(&q.ObjectMeta, true, dnsSubdomain)
	return append(errs, resourceList(q.Spec.Hard, specPath.Child("hard"))...)
}

// validatePodTemplate checks a PodTemplate object.
func validatePodTemplate(t *corev1.PodTemplate) field.ErrorList {
	errs := objectMeta(&t.ObjectMeta, true, dnsSubdomain)
	return append(errs, podTemplateSpec(&t.Template, field.NewPath("template"))...)
}

// validateRC checks a ReplicationController: selector, template labels
// matching it, restartPolicy Always and replicas.
func validateRC(rc *corev1.ReplicationController) field.ErrorList {
	errs := objectMeta(&rc.ObjectMeta, true, dnsSubdomain)
	errs = append(errs, nonNegativePtr(rc.Spec.Replicas, specPath.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(rc.Spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	if len(rc.Spec.Selector) == 0 {
		errs = append(errs, field.Required(specPath.Child("selector"), ""))
	}
	t := rc.Spec.Template
	if t == nil {
		return append(errs, field.Required(specPath.Child("template"), ""))
	}
	for k, v := range rc.Spec.Selector {
		if t.Labels[k] != v {
			errs = append(errs, field.Invalid(specPath.Child("template", "metadata", "labels"), t.Labels,
				"`selector` does not match template `labels`"))
			break
		}
	}
	errs = append(errs, podTemplateSpec(t, specPath.Child("template"))...)
	return append(errs, workloadTemplateRules(&t.Spec, specPath.Child("template", "spec"), "ReplicationController")...)
}
