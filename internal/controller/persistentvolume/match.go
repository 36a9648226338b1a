package persistentvolume

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Annotations and finalizers the binder and the protection loops read and
// write, as upstream names them.
const (
	// AnnBindCompleted on a claim says the binder finished binding it.
	AnnBindCompleted = "pv.kubernetes.io/bind-completed"
	// AnnBoundByController on a volume or claim says the binder, not the
	// user, made the binding (so it may undo it).
	AnnBoundByController = "pv.kubernetes.io/bound-by-controller"
	// AnnSelectedNode on a claim is the node the scheduler chose for a
	// WaitForFirstConsumer claim that needs provisioning.
	AnnSelectedNode = "volume.kubernetes.io/selected-node"
	// AnnStorageProvisioner (and its beta form) name the external
	// provisioner asked to provision a claim.
	AnnStorageProvisioner     = "volume.kubernetes.io/storage-provisioner"
	AnnBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	// annBetaStorageClass names a claim's or volume's class in old manifests.
	annBetaStorageClass = "volume.beta.kubernetes.io/storage-class"

	// PVCProtectionFinalizer keeps a claim in use by a pod from going away.
	PVCProtectionFinalizer = "kubernetes.io/pvc-protection"
	// PVProtectionFinalizer keeps a bound volume from going away.
	PVProtectionFinalizer = "kubernetes.io/pv-protection"
)

// ClaimClass is the claim's storage class name: the beta annotation, else
// spec.storageClassName, else "".
func ClaimClass(c *corev1.PersistentVolumeClaim) string {
	if class, ok := c.Annotations[annBetaStorageClass]; ok {
		return class
	}
	if c.Spec.StorageClassName != nil {
		return *c.Spec.StorageClassName
	}
	return ""
}

// VolumeClass is the volume's storage class name: the beta annotation,
// else spec.storageClassName.
func VolumeClass(v *corev1.PersistentVolume) string {
	if class, ok := v.Annotations[annBetaStorageClass]; ok {
		return class
	}
	return v.Spec.StorageClassName
}

// BoundToClaim reports whether v's claimRef names c (a claimRef without a
// UID names any claim of that namespace and name).
func BoundToClaim(v *corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) bool {
	ref := v.Spec.ClaimRef
	return ref != nil && ref.Name == c.Name && ref.Namespace == c.Namespace && (ref.UID == "" || ref.UID == c.UID)
}

func volumeMode(m *corev1.PersistentVolumeMode) corev1.PersistentVolumeMode {
	if m == nil {
		return corev1.PersistentVolumeFilesystem
	}
	return *m
}

// modeMismatch reports whether the claim and the volume disagree on
// volumeMode (unset means Filesystem).
func modeMismatch(c *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) bool {
	return volumeMode(c.Spec.VolumeMode) != volumeMode(v.Spec.VolumeMode)
}

// hasAccessModes reports whether v offers every access mode c asks.
func hasAccessModes(c *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) bool {
	for _, want := range c.Spec.AccessModes {
		found := false
		for _, have := range v.Spec.AccessModes {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// FindMatchingVolume picks the volume claim c gets, as upstream's binder:
// a volume pre-bound to c (claimRef naming it) wins; otherwise the
// smallest Available, unclaimed, not deleted volume of c's class that is
// big enough, has c's volume mode, offers c's access modes (the fewest
// extra modes first) and carries labels c's selector selects. With
// delayBinding (a WaitForFirstConsumer class) only a pre-bound volume is
// returned: the scheduler picks the others. Volume node affinity is not
// checked here. It returns nil when nothing matches.
func FindMatchingVolume(c *corev1.PersistentVolumeClaim, volumes []*corev1.PersistentVolume, delayBinding bool) (*corev1.PersistentVolume, error) {
	var selector labels.Selector
	if c.Spec.Selector != nil {
		s, err := metav1.LabelSelectorAsSelector(c.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("error creating internal label selector for claim: %s/%s: %w", c.Namespace, c.Name, err)
		}
		selector = s
	}
	want := c.Spec.Resources.Requests[corev1.ResourceStorage]
	class := ClaimClass(c)
	var best *corev1.PersistentVolume
	for _, v := range volumes {
		if v.Spec.ClaimRef != nil && !BoundToClaim(v, c) {
			continue
		}
		size := v.Spec.Capacity[corev1.ResourceStorage]
		if size.Cmp(want) < 0 || modeMismatch(c, v) || v.DeletionTimestamp != nil || !hasAccessModes(c, v) {
			continue
		}
		if BoundToClaim(v, c) {
			return v, nil
		}
		if delayBinding || v.Status.Phase != corev1.VolumeAvailable || VolumeClass(v) != class {
			continue
		}
		if selector != nil && !selector.Matches(labels.Set(v.Labels)) {
			continue
		}
		if best == nil || better(v, best) {
			best = v
		}
	}
	return best, nil
}

// better orders candidates: fewer access modes (upstream walks its
// access-mode index from the smallest set), then less capacity, then name.
func better(a, b *corev1.PersistentVolume) bool {
	if la, lb := len(a.Spec.AccessModes), len(b.Spec.AccessModes); la != lb {
		return la < lb
	}
	qa, qb := a.Spec.Capacity[corev1.ResourceStorage], b.Spec.Capacity[corev1.ResourceStorage]
	if d := qa.Cmp(qb); d != 0 {
		return d < 0
	}
	return a.Name < b.Name
}

// checkVolumeSatisfiesClaim is the check for a claim that names its volume
// (spec.volumeName); the error text is upstream's.
func checkVolumeSatisfiesClaim(v *corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) error {
	if v.DeletionTimestamp != nil {
		return fmt.Errorf("the volume is marked for deletion %q", v.Name)
	}
	want := c.Spec.Resources.Requests[corev1.ResourceStorage]
	have := v.Spec.Capacity[corev1.ResourceStorage]
	switch {
	case have.Value() < want.Value():
		return errors.New("requested PV is too small")
	case VolumeClass(v) != ClaimClass(c):
		return errors.New("storageClassName does not match")
	case modeMismatch(c, v):
		return errors.New("incompatible volumeMode")
	case !hasAccessModes(c, v):
		return errors.New("incompatible accessMode")
	}
	return nil
}
