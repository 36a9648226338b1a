package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// The node-port range upstream allocates from by default.
const (
	minNodePort = 30000
	maxNodePort = 32767
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
	errs = append(errs, enumOptional(ptrValue(spec.IPFamilyPolicy), ipFamilyPolicies, specPath.Child("ipFamilyPolicy"))...)
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

// clusterIPs returns spec.clusterIPs, or [clusterIP] when only that is set.
func clusterIPs(spec *corev1.ServiceSpec) []string {
	if len(spec.ClusterIPs) > 0 {
		return spec.ClusterIPs
	}
	if spec.ClusterIP != "" {
		return []string{spec.ClusterIP}
	}
	return nil
}

// serviceClusterIPs checks the cluster IPs against the service type.
func serviceClusterIPs(spec *corev1.ServiceSpec) field.ErrorList {
	ips := clusterIPs(spec)
	p := specPath.Child("clusterIPs")
	if len(ips) == 0 {
		return nil
	}
	var errs field.ErrorList
	if spec.ClusterIP != "" && ips[0] != spec.ClusterIP {
		errs = append(errs, field.Invalid(p, spec.ClusterIPs, "first value must match `clusterIP`"))
	}
	if spec.Type == corev1.ServiceTypeExternalName {
		return append(errs, field.Forbidden(p, "may not be set for ExternalName services"))
	}
	for i, ip := range ips {
		if ip == corev1.ClusterIPNone {
			if i > 0 || len(ips) > 1 {
				errs = append(errs, field.Invalid(p.Index(i), ip, "'None' must be the first and only value"))
			}
			switch spec.Type {
			case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
				errs = append(errs, field.Invalid(p.Index(i), ip, fmt.Sprintf("may not be set to 'None' for %s services", spec.Type)))
			}
			continue
		}
		errs = append(errs, ipAddress(ip, p.Index(i))...)
	}
	return errs
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

// nodePort forbids node ports on ClusterIP services and requires the
// default allocation range.
func nodePort(t corev1.ServiceType, port int32, fldPath *field.Path) field.ErrorList {
	if port == 0 {
		return nil
	}
	if t == corev1.ServiceTypeClusterIP {
		return field.ErrorList{field.Forbidden(fldPath, "may not be used when `type` is 'ClusterIP'")}
	}
	if port < minNodePort || port > maxNodePort {
		return field.ErrorList{field.Invalid(fldPath, port,
			fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", minNodePort, maxNodePort))}
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
	if spec.HealthCheckNodePort != 0 && (spec.Type != corev1.ServiceTypeLoadBalancer ||
		spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal) {
		errs = append(errs, field.Invalid(specPath.Child("healthCheckNodePort"), spec.HealthCheckNodePort,
			"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
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

// validateServiceUpdate keeps the cluster IP unless the type changes to or
// from ExternalName. An empty new clusterIP keeps the allocated one.
func validateServiceUpdate(s, old *corev1.Service) field.ErrorList {
	if s.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	newIPs, oldIPs := clusterIPs(&s.Spec), clusterIPs(&old.Spec)
	if len(newIPs) == 0 || len(oldIPs) == 0 || newIPs[0] == oldIPs[0] {
		return nil
	}
	return field.ErrorList{field.Invalid(specPath.Child("clusterIPs").Index(0), newIPs, "may not change once set")}
}
