package apiserver

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// dropTypeDependentFields wipes, on an update that changes a Service's
// type, the fields the new type has no use for, as upstream's strategy
// does: only those the client left as they were (kept from the object it
// read), never what it set. So `kubectl apply` of type ClusterIP over a
// NodePort Service does not fail on the node ports and the
// externalTrafficPolicy the server had filled in; the allocator then
// releases the ports and addresses no longer used.
func dropTypeDependentFields(svc, old *corev1.Service) {
	spec, was := &svc.Spec, &old.Spec
	if was.Type != corev1.ServiceTypeExternalName && spec.Type == corev1.ServiceTypeExternalName {
		if spec.ClusterIP == was.ClusterIP && slices.Equal(spec.ClusterIPs, was.ClusterIPs) {
			spec.ClusterIP, spec.ClusterIPs = "", nil
		}
		if slices.Equal(spec.IPFamilies, was.IPFamilies) {
			spec.IPFamilies = nil
		}
		if apiequality.Semantic.DeepEqual(spec.IPFamilyPolicy, was.IPFamilyPolicy) {
			spec.IPFamilyPolicy = nil
		}
	}
	if hasNodePorts(was) && !hasNodePorts(spec) && sameNodePorts(spec, was) {
		for i := range spec.Ports {
			spec.Ports[i].NodePort = 0
		}
	}
	if defaults.NeedsHealthCheck(was) && !defaults.NeedsHealthCheck(spec) && spec.HealthCheckNodePort == was.HealthCheckNodePort {
		spec.HealthCheckNodePort = 0
	}
	if was.Type == corev1.ServiceTypeLoadBalancer && spec.Type != corev1.ServiceTypeLoadBalancer {
		if spec.AllocateLoadBalancerNodePorts != nil && was.AllocateLoadBalancerNodePorts != nil &&
			*spec.AllocateLoadBalancerNodePorts == *was.AllocateLoadBalancerNodePorts {
			spec.AllocateLoadBalancerNodePorts = nil
		}
		if apiequality.Semantic.DeepEqual(spec.LoadBalancerClass, was.LoadBalancerClass) {
			spec.LoadBalancerClass = nil
		}
	}
	if defaults.ExternallyAccessible(was) && !defaults.ExternallyAccessible(spec) && spec.ExternalTrafficPolicy == was.ExternalTrafficPolicy {
		spec.ExternalTrafficPolicy = ""
	}
	if spec.Type != corev1.ServiceTypeLoadBalancer {
		svc.Status.LoadBalancer = corev1.LoadBalancerStatus{}
	}
}

func hasNodePorts(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer
}

// sameNodePorts reports whether the client added no node port the old
// Service did not have (ports may be added, removed or changed otherwise),
// as upstream.
func sameNodePorts(spec, was *corev1.ServiceSpec) bool {
	old := map[int32]bool{}
	for _, q := range was.Ports {
		old[q.NodePort] = true
	}
	for _, p := range spec.Ports {
		if p.NodePort != 0 && !old[p.NodePort] {
			return false
		}
	}
	return true
}
