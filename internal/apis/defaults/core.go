package defaults

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Upstream's default session-affinity timeout (three hours).
const defaultClientIPTimeout = int32(10800)

// replicationController defaults replicas and copies the template labels
// into an empty selector and empty object labels.
func replicationController(rc *corev1.ReplicationController) {
	if t := rc.Spec.Template; t != nil && len(t.Labels) > 0 {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyMap(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = copyMap(t.Labels)
		}
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptrTo(int32(1))
	}
	podTemplateSpec(rc.Spec.Template)
}

// copyMap returns a copy of m.
func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// service applies Service defaults, including the IP family fields
// upstream fills during create.
func service(s *corev1.Service) {
	spec := &s.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	if spec.SessionAffinity == corev1.ServiceAffinityClientIP && spec.SessionAffinityConfig == nil {
		spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
			ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(defaultClientIPTimeout)},
		}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	switch spec.Type {
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		if spec.ExternalTrafficPolicy == "" {
			spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
		}
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer && spec.AllocateLoadBalancerNodePorts == nil {
		spec.AllocateLoadBalancerNodePorts = ptrTo(true)
	}
	if spec.Type != corev1.ServiceTypeExternalName {
		if spec.InternalTrafficPolicy == nil {
			spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
		}
		serviceIPFamilies(spec)
	}
}

// serviceIPFamilies fills ipFamilyPolicy and ipFamilies the way a
// single-stack upstream cluster does: SingleStack, except RequireDualStack
// for a headless service without selector, with the family of the given
// clusterIP or IPv4.
func serviceIPFamilies(spec *corev1.ServiceSpec) {
	headless := spec.ClusterIP == corev1.ClusterIPNone
	if spec.IPFamilyPolicy == nil {
		policy := corev1.IPFamilyPolicySingleStack
		if headless && len(spec.Selector) == 0 {
			policy = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &policy
	}
	if len(spec.IPFamilies) > 0 {
		return
	}
	family := corev1.IPv4Protocol
	if addr, err := netip.ParseAddr(spec.ClusterIP); err == nil && addr.Is6() && !addr.Is4In6() {
		family = corev1.IPv6Protocol
	}
	spec.IPFamilies = []corev1.IPFamily{family}
}

// namespace sets the metadata.name label, status phase Active and the
// "kubernetes" finalizer on a live namespace.
func namespace(ns *corev1.Namespace) {
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		if _, ok := ns.Labels[corev1.LabelMetadataName]; !ok {
			ns.Labels[corev1.LabelMetadataName] = ns.Name
		}
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
	if ns.DeletionTimestamp == nil && ns.Status.Phase == corev1.NamespaceActive && len(ns.Spec.Finalizers) == 0 {
		ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	}
}

// persistentVolume defaults phase, reclaim policy and volume mode.
func persistentVolume(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
	if hp := pv.Spec.HostPath; hp != nil && hp.Type == nil {
		hp.Type = ptrTo(corev1.HostPathUnset)
	}
}

// persistentVolumeClaim defaults phase and volume mode.
func persistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	claimSpec(&pvc.Spec)
}

// node defaults allocatable to capacity.
func node(n *corev1.Node) {
	if n.Status.Allocatable == nil && len(n.Status.Capacity) > 0 {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}

// endpoints defaults each port's protocol to TCP.
func endpoints(e *corev1.Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if e.Subsets[i].Ports[j].Protocol == "" {
				e.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// limitRange fills container default limits from max, and default
// requests from default limits, then from min.
func limitRange(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if item.Default == nil {
			item.Default = corev1.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = corev1.ResourceList{}
		}
		fillMissing(item.Default, item.Max)
		fillMissing(item.DefaultRequest, item.Default)
		fillMissing(item.DefaultRequest, item.Min)
	}
}

// fillMissing copies each entry of from that dst lacks.
func fillMissing(dst, from corev1.ResourceList) {
	for name, q := range from {
		if _, ok := dst[name]; !ok {
			dst[name] = q.DeepCopy()
		}
	}
}

// secret defaults the type to Opaque and folds stringData into data, as
// upstream's conversion does; stringData wins over data for a shared key.
func secret(s *corev1.Secret) {
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if len(s.StringData) == 0 {
		return
	}
	if s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}
