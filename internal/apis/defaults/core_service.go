package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Upstream's default session-affinity timeout (three hours).
const defaultClientIPTimeout = int32(10800)

// service applies Service defaults, including the ipFamilyPolicy
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
		serviceIPFamilyPolicy(spec)
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

// NeedsHealthCheck reports whether a Service gets a healthCheckNodePort: a
// LoadBalancer with externalTrafficPolicy Local, as upstream's
// apiservice.NeedsHealthCheck. Validation, the update path and the
// allocator all ask this one rule.
func NeedsHealthCheck(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeLoadBalancer && spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
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

// serviceIPFamilyPolicy fills ipFamilyPolicy as upstream's allocator
// (initIPFamilyFields) does for a Service that has none: SingleStack,
// except RequireDualStack for a headless service without selector. An
// update has already adopted the stored policy (the apiserver's update
// path). ipFamilies are left to the Service allocator: upstream fills them
// from the cluster's configured families, which only the allocator knows.
func serviceIPFamilyPolicy(spec *corev1.ServiceSpec) {
	if spec.IPFamilyPolicy != nil {
		return
	}
	policy := corev1.IPFamilyPolicySingleStack
	if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
		policy = corev1.IPFamilyPolicyRequireDualStack
	}
	spec.IPFamilyPolicy = &policy
}
