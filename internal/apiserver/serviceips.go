package apiserver

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// keepServiceIPFields fills in, on an update, the cluster IP fields a
// client left out, from the stored Service, before defaulting could take
// the gaps for a new Service's: upstream's service storage does the same
// in beginUpdate, ahead of its strategy and validation
// (pkg/registry/core/service/storage/storage.go patchAllocatedValues and
// normalizeClusterIPs, and alloc.go initIPFamilyFields adopting the old
// ipFamilyPolicy). So a PUT of a manifest without them, as `kubectl
// replace` of a hand-written file sends, neither turns a PreferDualStack
// Service SingleStack nor gives a headless one a cluster IP. ipFamilies
// are not copied: the allocator infers them again from the kept cluster
// IPs and policy, as upstream's initIPFamilyFields does, and checks the
// result against the cluster's IP families.
func keepServiceIPFields(svc, old *corev1.Service) {
	spec, was := &svc.Spec, &old.Spec
	hasClusterIP := spec.Type != corev1.ServiceTypeExternalName
	if hasClusterIP && was.Type != corev1.ServiceTypeExternalName {
		// patchAllocatedValues: keep what was allocated for the client.
		if spec.ClusterIP == "" {
			spec.ClusterIP = was.ClusterIP
		}
		if len(spec.ClusterIPs) == 0 && len(was.ClusterIPs) > 0 {
			spec.ClusterIPs = slices.Clone(was.ClusterIPs)
		}
	}
	normalizeClusterIPs(spec, was)
	if hasClusterIP && spec.IPFamilyPolicy == nil && was.IPFamilyPolicy != nil {
		// A left-out policy is the old one, never a static default: an
		// update must not switch between single and dual stack unasked.
		policy := *was.IPFamilyPolicy
		spec.IPFamilyPolicy = &policy
	}
}

// normalizeClusterIPs keeps clusterIPs in step with the singular clusterIP
// an older client may have changed alone, as upstream's
// normalizeClusterIPs on update: a left-out clusterIPs is the old one while
// clusterIP is unchanged; a clusterIP cleared or changed with clusterIPs
// left as they were clears or follows it (validation then judges the
// change).
func normalizeClusterIPs(spec, was *corev1.ServiceSpec) {
	if len(was.ClusterIPs) > 0 && len(spec.ClusterIPs) == 0 && spec.ClusterIP == was.ClusterIP {
		spec.ClusterIPs = slices.Clone(was.ClusterIPs)
	}
	if spec.ClusterIP == was.ClusterIP || !slices.Equal(spec.ClusterIPs, was.ClusterIPs) {
		return
	}
	if spec.ClusterIP == "" {
		spec.ClusterIPs = nil
	} else {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
}

// normalizeNewClusterIPs gives a new Service set through the singular
// clusterIP alone (an older client) the matching clusterIPs, as upstream's
// normalizeClusterIPs on create, before anything reads them. A client
// that sets clusterIPs sets clusterIP too; validation holds it to that.
func normalizeNewClusterIPs(spec *corev1.ServiceSpec) {
	if spec.ClusterIP != "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
}

// keepAllocatedPorts fills in, on an update, the node ports and the
// healthCheckNodePort a client left out, from the stored Service, as
// upstream's patchAllocatedValues
// (pkg/registry/core/service/storage/storage.go): while both versions have node ports, a port without one
// takes the node port of the old port of the same name (the one unnamed
// port of a single-port Service matches the old unnamed one, whatever
// its number or protocol), unless the new Service already uses that node
// port on another port; while both need a health check, a left-out
// healthCheckNodePort is the old one.
func keepAllocatedPorts(svc, old *corev1.Service) {
	spec, was := &svc.Spec, &old.Spec
	if hasNodePorts(spec) && hasNodePorts(was) {
		byName := map[string]int32{}
		oldUsed := map[int32]bool{}
		for _, p := range was.Ports {
			byName[p.Name] = p.NodePort
			oldUsed[p.NodePort] = true
		}
		// Node ports both versions use are taken: none is copied twice.
		taken := map[int32]bool{}
		for _, p := range spec.Ports {
			if p.NodePort != 0 && oldUsed[p.NodePort] {
				taken[p.NodePort] = true
			}
		}
		for i := range spec.Ports {
			if p := &spec.Ports[i]; p.NodePort == 0 && !taken[byName[p.Name]] {
				p.NodePort = byName[p.Name]
			}
		}
	}
	if defaults.NeedsHealthCheck(spec) && defaults.NeedsHealthCheck(was) && spec.HealthCheckNodePort == 0 {
		spec.HealthCheckNodePort = was.HealthCheckNodePort
	}
}
