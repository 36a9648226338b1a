package kubelet

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// leaseDue reports whether the node's Lease must be renewed at now.
func leaseDue(lastRenew, now time.Time, interval time.Duration) bool {
	return lastRenew.IsZero() || now.Sub(lastRenew) >= interval
}

// renewLease returns lease (a new one when nil) held by node and renewed at
// now, owned by the Node so that it goes with it.
func renewLease(lease *coordinationv1.Lease, node string, nodeUID types.UID, duration time.Duration, now time.Time) *coordinationv1.Lease {
	var out *coordinationv1.Lease
	if lease == nil {
		out = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: NodeLeaseNamespace}}
	} else {
		out = lease.DeepCopy()
	}
	holder := node
	seconds := int32(duration / time.Second)
	renew := metav1.NewMicroTime(now)
	out.Spec.HolderIdentity = &holder
	out.Spec.LeaseDurationSeconds = &seconds
	out.Spec.RenewTime = &renew
	if nodeUID != "" && len(out.OwnerReferences) == 0 {
		out.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: corev1.SchemeGroupVersion.String(), Kind: "Node", Name: node, UID: nodeUID,
		}}
	}
	return out
}
