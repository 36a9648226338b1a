package validation

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

var (
	serviceTypes     = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	sessionAffinity  = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	trafficPolicies  = []corev1.ServiceExternalTrafficPolicy{corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal}
	internalPolicies = []corev1.ServiceInternalTrafficPolicy{corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal}
	ipFamilyPolicies = []corev1.IPFamilyPolicy{corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}
)

// validateService checks a Service on create.
func validateService(s *corev1.Service) field.ErrorList {
	errs := objectMeta(&s.ObjectMeta, true, dns1035Label)
	spec := &s.Spec
	headless := spec.ClusterIP == corev1.ClusterIPNone
	if len(spec.Ports) == 0 && !headless && spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	errs = append(errs, enumRequired(spec.Type, serviceTypes, specPath.Child("type"))...)
	errs = append(errs, serviceClusterIPs(spec)...)
	if spec.Type == corev1.ServiceTypeExternalName {
		errs = append(errs, externalName(spec.ExternalName)...)
	}
	errs = append(errs, servicePorts(spec)...)
	errs = append(errs, unversioned.ValidateLabels(spec.Selector, specPath.Child("selector"))...)
	errs = append(errs, enumRequired(spec.SessionAffinity, sessionAffinity, specPath.Child("sessionAffinity"))...)
	if c := spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > 86400 {
			errs = append(errs, field.Invalid(specPath.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds"), t,
				"must be greater than 0 and less than 86400"))
		}
	}
	errs = append(errs, trafficPolicyFields(spec)...)
	for i, ip := range spec.ExternalIPs {
		errs = append(errs, ipAddress(ip, specPath.Child("externalIPs").Index(i))...)
	}
	if len(spec.LoadBalancerSourceRanges) > 0 && spec.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(specPath.Child("loadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"))
	}
	for i, cidr := range spec.LoadBalancerSourceRanges {
		errs = append(errs, utilvalidation.IsValidCIDR(specPath.Child("loadBalancerSourceRanges").Index(i), strings.TrimSpace(cidr))...)
	}
	return errs
}

// ptrValue returns *p or the zero value.
func ptrValue[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// externalName requires a DNS name (a trailing dot is allowed).
func externalName(name string) field.ErrorList {
	p := specPath.Child("externalName")
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return invalidMsgs(p, name, utilvalidation.IsDNS1123Subdomain(strings.TrimSuffix(name, ".")))
}

// servicePorts checks names, numbers, protocols, target and node ports.
func servicePorts(spec *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	type key struct {
		port     int32
		protocol corev1.Protocol
	}
	seen, seenNode := map[key]bool{}, map[key]bool{}
	for i, sp := range spec.Ports {
		idx := specPath.Child("ports").Index(i)
		if len(spec.Ports) > 1 && sp.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else if sp.Name != "" {
			errs = append(errs, invalidMsgs(idx.Child("name"), sp.Name, utilvalidation.IsDNS1123Label(sp.Name))...)
			if names.Has(sp.Name) {
				errs = append(errs, field.Duplicate(idx.Child("name"), sp.Name))
			}
			names.Insert(sp.Name)
		}
		errs = append(errs, invalidMsgs(idx.Child("port"), sp.Port, utilvalidation.IsValidPortNum(int(sp.Port)))...)
		errs = append(errs, enumRequired(sp.Protocol, portProtocols, idx.Child("protocol"))...)
		errs = append(errs, portNumOrName(sp.TargetPort, idx.Child("targetPort"))...)
		k := key{sp.Port, sp.Protocol}
		if seen[k] {
			errs = append(errs, field.Duplicate(idx, k))
		}
		seen[k] = true
		errs = append(errs, nodePort(spec.Type, sp.NodePort, idx.Child("nodePort"))...)
		if nk := (key{sp.NodePort, sp.Protocol}); sp.NodePort != 0 {
			if seenNode[nk] {
				errs = append(errs, field.Duplicate(idx.Child("nodePort"), sp.NodePort))
			}
			seenNode[nk] = true
		}
	}
	return errs
}

// nodePort forbids node ports on ClusterIP services. Whether a port is in
// the node port range is the allocator's to say, as upstream's: the range
// is the server's --service-node-port-range.
func nodePort(t corev1.ServiceType, port int32, fldPath *field.Path) field.ErrorList {
	if port != 0 && t == corev1.ServiceTypeClusterIP {
		return field.ErrorList{field.Forbidden(fldPath, "may not be used when `type` is 'ClusterIP'")}
	}
	return nil
}

// trafficPolicyFields checks external and internal traffic policies.
func trafficPolicyFields(spec *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	p := specPath.Child("externalTrafficPolicy")
	switch {
	case defaults.ExternallyAccessible(spec):
		errs = append(errs, enumRequired(spec.ExternalTrafficPolicy, trafficPolicies, p)...)
	case spec.ExternalTrafficPolicy != "":
		errs = append(errs, field.Invalid(p, spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
	}
	// Upstream also requires the port of a Service that needs one; here the
	// allocator, after validation, fills it.
	hc := specPath.Child("healthCheckNodePort")
	switch {
	case spec.HealthCheckNodePort == 0:
	case !defaults.NeedsHealthCheck(spec):
		errs = append(errs, field.Invalid(hc, spec.HealthCheckNodePort,
			"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	default:
		errs = append(errs, invalidMsgs(hc, spec.HealthCheckNodePort, utilvalidation.IsValidPortNum(int(spec.HealthCheckNodePort)))...)
	}
	if spec.Type != corev1.ServiceTypeExternalName {
		ip := specPath.Child("internalTrafficPolicy")
		if spec.InternalTrafficPolicy == nil {
			errs = append(errs, field.Required(ip, ""))
		} else {
			errs = append(errs, enumRequired(*spec.InternalTrafficPolicy, internalPolicies, ip)...)
		}
	}
	return errs
}

// validateServiceUpdate holds an update to upstream's ValidateServiceUpdate
// rules: the cluster IPs and families may be upgraded or downgraded but
// their primary never changes, and a healthCheckNodePort stays while the
// Service needs one (the API server fills it in when left out).
func validateServiceUpdate(s, old *corev1.Service) field.ErrorList {
	errs := upgradeDowngradeClusterIPs(&s.Spec, &old.Spec)
	errs = append(errs, upgradeDowngradeIPFamilies(&s.Spec, &old.Spec)...)
	if defaults.NeedsHealthCheck(&s.Spec) && defaults.NeedsHealthCheck(&old.Spec) && s.Spec.HealthCheckNodePort != old.Spec.HealthCheckNodePort {
		errs = append(errs, field.Forbidden(specPath.Child("healthCheckNodePort"), "field is immutable"))
	}
	return errs
}
