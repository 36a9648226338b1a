package defaults

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Upstream's default session-affinity timeout (three hours).
const defaultClientIPTimeout = int32(10800)

// service applies Service defaults, including the IP family fields
// upstream's service REST storage fills during create.
func service(s *corev1.Service) {
	spec := &s.Spec
	sessionAffinity(spec)
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	servicePorts(spec.Ports)
	trafficPolicies(spec)
	if spec.Type == corev1.ServiceTypeLoadBalancer {
		if spec.AllocateLoadBalancerNodePorts == nil {
			spec.AllocateLoadBalancerNodePorts = ptrTo(true)
		}
		loadBalancerIPMode(s.Status.LoadBalancer.Ingress)
	}
	if spec.Type != corev1.ServiceTypeExternalName {
		serviceIPFamilies(spec)
	}
}

// sessionAffinity defaults the affinity to None, drops the affinity
// config of a None service and gives a ClientIP service without a timeout
// the default one.
func sessionAffinity(spec *corev1.ServiceSpec) {
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityNone:
		spec.SessionAffinityConfig = nil
	case corev1.ServiceAffinityClientIP:
		c := spec.SessionAffinityConfig
		if c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(defaultClientIPTimeout)},
			}
		}
	}
}

// servicePorts defaults each port's protocol to TCP and its target port
// to the port.
func servicePorts(ports []corev1.ServicePort) {
	for i := range ports {
		p := &ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
}

// ExternallyAccessible reports whether a Service is reached from outside
// the cluster, as upstream's apiservice.ExternallyAccessible: a node-port or
// load-balancer Service, or a ClusterIP one with externalIPs. Only those
// have an externalTrafficPolicy; defaulting, validation and the update
// path's type change all ask this one rule.
func ExternallyAccessible(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer ||
		(spec.Type == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0)
}

// trafficPolicies defaults the external policy of externally accessible
// services (node-port and load-balancer ones, and ClusterIP ones with
// externalIPs, as upstream) and the internal policy of the service types
// that have cluster IPs.
func trafficPolicies(spec *corev1.ServiceSpec) {
	if ExternallyAccessible(spec) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	switch spec.Type {
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeClusterIP:
		if spec.InternalTrafficPolicy == nil {
			spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
		}
	}
}

// loadBalancerIPMode defaults the ipMode of each load-balancer ingress
// that has an IP to VIP.
func loadBalancerIPMode(ingress []corev1.LoadBalancerIngress) {
	for i := range ingress {
		if ingress[i].IP != "" && ingress[i].IPMode == nil {
			ingress[i].IPMode = ptrTo(corev1.LoadBalancerIPModeVIP)
		}
	}
}

// serviceIPFamilies fills ipFamilyPolicy and ipFamilies the way an IPv4
// single-stack upstream cluster does on create: SingleStack, except
// RequireDualStack for a headless service without selector; the families
// of the given cluster IPs, else IPv4; and a headless selectorless service
// that is not SingleStack is given both families.
func serviceIPFamilies(spec *corev1.ServiceSpec) {
	headlessNoSelector := spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0
	if spec.IPFamilyPolicy == nil {
		policy := corev1.IPFamilyPolicySingleStack
		if headlessNoSelector {
			policy = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &policy
	}
	spec.IPFamilies = familiesOfClusterIPs(spec)
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if headlessNoSelector && len(spec.IPFamilies) < 2 && *spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
		spec.IPFamilies = append(spec.IPFamilies, otherFamily(spec.IPFamilies[0]))
	}
}

// familiesOfClusterIPs returns spec.ipFamilies extended with the family
// of each cluster IP that has no family entry yet, up to a "None".
func familiesOfClusterIPs(spec *corev1.ServiceSpec) []corev1.IPFamily {
	ips := spec.ClusterIPs
	if len(ips) == 0 && spec.ClusterIP != "" {
		ips = []string{spec.ClusterIP}
	}
	families := spec.IPFamilies
	for i, ip := range ips {
		if ip == corev1.ClusterIPNone {
			break
		}
		if i >= len(families) {
			families = append(families, familyOf(ip))
		}
	}
	return families
}

// familyOf returns the IP family of an address; unparsable ones count as
// IPv4, as validation rejects them anyway.
func familyOf(ip string) corev1.IPFamily {
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Is6() && !addr.Is4In6() {
		return corev1.IPv6Protocol
	}
	return corev1.IPv4Protocol
}

// otherFamily returns the IP family that is not f.
func otherFamily(f corev1.IPFamily) corev1.IPFamily {
	if f == corev1.IPv6Protocol {
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}
