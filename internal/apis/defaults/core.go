package defaults

import (
	corev1 "k8s.io/api/core/v1"
)

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

// namespace sets the metadata.name label to the name (overwriting any
// other value) and status phase Active. The "kubernetes" finalizer is not
// a default: upstream's strategy adds it on create only, so that
// namespaces/finalize may remove it (the API server's prepareForCreate).
func namespace(ns *corev1.Namespace) {
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}

// node defaults allocatable to capacity, rounds both, and drops the
// dynamic kubelet config source, which upstream's strategy never keeps
// on a node that did not already have it.
func node(n *corev1.Node) {
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
	roundResourceList(n.Status.Capacity)
	roundResourceList(n.Status.Allocatable)
	n.Spec.ConfigSource = nil
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
	for i := range lr.Spec.Limits {
		limitRangeItemResources(&lr.Spec.Limits[i])
	}
}

// limitRangeItemResources rounds every resource list of a limit item.
func limitRangeItemResources(item *corev1.LimitRangeItem) {
	for _, rl := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
		roundResourceList(rl)
	}
}

// resourceQuota rounds the hard limits and the reported usage.
func resourceQuota(q *corev1.ResourceQuota) {
	roundResourceList(q.Spec.Hard)
	roundResourceList(q.Status.Hard)
	roundResourceList(q.Status.Used)
}

// serviceAccount keeps only the name of each secret reference, as
// upstream's strategy does on create and update.
func serviceAccount(sa *corev1.ServiceAccount) {
	for i := range sa.Secrets {
		sa.Secrets[i] = corev1.ObjectReference{Name: sa.Secrets[i].Name}
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
