package validation

import (
	"fmt"
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's bound on user-defined priorities.
const highestUserPriority = int32(1000000000)

var (
	evictionPolicies = []policyv1.UnhealthyPodEvictionPolicyType{policyv1.AlwaysAllow, policyv1.IfHealthyBudget}
	preemptPolicies  = []corev1.PreemptionPolicy{corev1.PreemptNever, corev1.PreemptLowerPriority}
	bindingModes     = []storagev1.VolumeBindingMode{storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer}
	scReclaim        = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRetain}
	addressTypes     = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}
	systemPriorities = map[string]bool{"system-node-critical": true, "system-cluster-critical": true}
)

func validatePDB(pdb *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := objectMeta(&pdb.ObjectMeta, true, dnsSubdomain)
	s := &pdb.Spec
	if s.MinAvailable != nil && s.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(specPath, s, "minAvailable and maxUnavailable cannot be both set"))
	}
	errs = append(errs, intOrPercent(s.MinAvailable, specPath.Child("minAvailable"))...)
	errs = append(errs, notMoreThan100Percent(s.MinAvailable, specPath.Child("minAvailable"))...)
	errs = append(errs, intOrPercent(s.MaxUnavailable, specPath.Child("maxUnavailable"))...)
	errs = append(errs, notMoreThan100Percent(s.MaxUnavailable, specPath.Child("maxUnavailable"))...)
	errs = append(errs, labelSelector(s.Selector, specPath.Child("selector"))...)
	if s.UnhealthyPodEvictionPolicy != nil {
		errs = append(errs, enumRequired(*s.UnhealthyPodEvictionPolicy, evictionPolicies, specPath.Child("unhealthyPodEvictionPolicy"))...)
	}
	return errs
}

func validatePriorityClass(pc *schedulingv1.PriorityClass) field.ErrorList {
	errs := objectMeta(&pc.ObjectMeta, false, dnsSubdomain)
	if !systemPriorities[pc.Name] {
		if strings.HasPrefix(pc.Name, "system-") {
			errs = append(errs, field.Forbidden(metadataPath.Child("name"), "priority class names with 'system-' prefix are reserved"))
		}
		if pc.Value > highestUserPriority {
			errs = append(errs, field.Forbidden(field.NewPath("value"),
				fmt.Sprintf("maximum allowed value of a user defined priority is %v", highestUserPriority)))
		}
	}
	if pc.PreemptionPolicy != nil {
		errs = append(errs, enumRequired(*pc.PreemptionPolicy, preemptPolicies, field.NewPath("preemptionPolicy"))...)
	}
	return errs
}

func validatePriorityClassUpdate(pc, old *schedulingv1.PriorityClass) field.ErrorList {
	var errs field.ErrorList
	if pc.Value != old.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	return append(errs, immutable(pc.PreemptionPolicy, old.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
}

func validateStorageClass(sc *storagev1.StorageClass) field.ErrorList {
	errs := objectMeta(&sc.ObjectMeta, false, dnsSubdomain)
	if sc.Provisioner == "" {
		errs = append(errs, field.Required(field.NewPath("provisioner"), ""))
	} else {
		errs = append(errs, invalidMsgs(field.NewPath("provisioner"), sc.Provisioner, content.IsLabelKey(sc.Provisioner))...)
	}
	if sc.ReclaimPolicy != nil {
		errs = append(errs, enumRequired(*sc.ReclaimPolicy, scReclaim, field.NewPath("reclaimPolicy"))...)
	}
	if sc.VolumeBindingMode != nil {
		errs = append(errs, enumRequired(*sc.VolumeBindingMode, bindingModes, field.NewPath("volumeBindingMode"))...)
	}
	return errs
}

func validateStorageClassUpdate(sc, old *storagev1.StorageClass) field.ErrorList {
	var errs field.ErrorList
	if fmt.Sprint(sc.Parameters) != fmt.Sprint(old.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != old.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if ptrValue(sc.ReclaimPolicy) != ptrValue(old.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	return append(errs, immutable(sc.VolumeBindingMode, old.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}

func validateLease(l *coordinationv1.Lease) field.ErrorList {
	errs := objectMeta(&l.ObjectMeta, true, dnsSubdomain)
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(specPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	return append(errs, nonNegativePtr(l.Spec.LeaseTransitions, specPath.Child("leaseTransitions"))...)
}

func validateEndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	errs := objectMeta(&es.ObjectMeta, true, dnsSubdomain)
	errs = append(errs, enumRequired(es.AddressType, addressTypes, field.NewPath("addressType"))...)
	for i, ep := range es.Endpoints {
		p := field.NewPath("endpoints").Index(i).Child("addresses")
		if len(ep.Addresses) == 0 || len(ep.Addresses) > 100 {
			errs = append(errs, field.Invalid(p, len(ep.Addresses), "must contain at least 1 and at most 100 addresses"))
		}
		for j, a := range ep.Addresses {
			switch es.AddressType {
			case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
				errs = append(errs, ipAddress(a, p.Index(j))...)
			case discoveryv1.AddressTypeFQDN:
				errs = append(errs, utilvalidation.IsFullyQualifiedDomainName(p.Index(j), a)...)
			}
		}
	}
	for i, port := range es.Ports {
		p := field.NewPath("ports").Index(i)
		if n := ptrValue(port.Name); n != "" {
			errs = append(errs, invalidMsgs(p.Child("name"), n, utilvalidation.IsDNS1123Label(n))...)
		}
		if port.Protocol != nil {
			errs = append(errs, enumRequired(*port.Protocol, portProtocols, p.Child("protocol"))...)
		}
		if port.Port != nil {
			errs = append(errs, invalidMsgs(p.Child("port"), *port.Port, utilvalidation.IsValidPortNum(int(*port.Port)))...)
		}
	}
	return errs
}

func validateEndpointSliceUpdate(es, old *discoveryv1.EndpointSlice) field.ErrorList {
	return immutable(es.AddressType, old.AddressType, field.NewPath("addressType"))
}
