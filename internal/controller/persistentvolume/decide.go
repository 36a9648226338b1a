package persistentvolume

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Event reasons the binder records, as upstream's
// pkg/controller/volume/events.
const (
	ReasonFailedBinding        = "FailedBinding"
	ReasonVolumeMismatch       = "VolumeMismatch"
	ReasonWaitForFirstConsumer = "WaitForFirstConsumer"
	ReasonWaitForPodScheduled  = "WaitForPodScheduled"
	ReasonProvisioningFailed   = "ProvisioningFailed"
	ReasonExternalProvisioning = "ExternalProvisioning"
	ReasonVolumeFailedRecycle  = "VolumeFailedRecycle"
	ReasonClaimLost            = "ClaimLost"
	ReasonClaimMisbound        = "ClaimMisbound"
	ReasonUnknownReclaimPolicy = "VolumeUnknownReclaimPolicy"
)

// event is one Event to record on the object being synced.
type event struct {
	kind, reason, message string
}

// claimStep is what the binder does with a claim.
type claimStep int

const (
	// claimPending writes phase Pending (and clears status capacity).
	claimPending claimStep = iota
	// claimBind binds the claim to decision.volume, both sides.
	claimBind
	// claimLost writes phase Lost.
	claimLost
	// claimExternal annotates the claim for an external provisioner.
	claimExternal
	// claimNone writes nothing.
	claimNone
)

// claimDecision is what to do with a claim, the event to record on it and
// an error to return afterwards (so that the claim is retried).
type claimDecision struct {
	step   claimStep
	volume *corev1.PersistentVolume
	event  *event
	err    error
}

// claimInputs is what decideClaim reads.
type claimInputs struct {
	claim *corev1.PersistentVolumeClaim
	// volumes is every volume, for claims that name none.
	volumes []*corev1.PersistentVolume
	// named is the volume claim.spec.volumeName names, nil if absent.
	named *corev1.PersistentVolume
	// class is the claim's StorageClass, nil when it has none or it is
	// missing.
	class *storagev1.StorageClass
	// unscheduledPods are the pods using the claim not yet scheduled.
	unscheduledPods []string
}

// delayBinding reports whether the claim's class binds
// WaitForFirstConsumer (a missing class binds immediately).
func (in claimInputs) delayBinding() bool {
	m := in.class
	return m != nil && m.VolumeBindingMode != nil && *m.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

// decideClaim is upstream's syncClaim as a decision.
func decideClaim(in claimInputs) claimDecision {
	if !metav1.HasAnnotation(in.claim.ObjectMeta, AnnBindCompleted) {
		if in.claim.Spec.VolumeName == "" {
			return decideUnnamedClaim(in)
		}
		return decideNamedClaim(in)
	}
	return decideBoundClaim(in)
}

// decideUnnamedClaim picks a volume for a claim that named none, or says
// why it waits.
func decideUnnamedClaim(in claimInputs) claimDecision {
	c := in.claim
	v, err := FindMatchingVolume(c, in.volumes, in.delayBinding())
	if err != nil {
		return claimDecision{step: claimNone, err: fmt.Errorf("error finding PV for claim %q: %w", c.Namespace+"/"+c.Name, err)}
	}
	if v != nil {
		return claimDecision{step: claimBind, volume: v}
	}
	_, selected := c.Annotations[AnnSelectedNode]
	switch class := ClaimClass(c); {
	case in.delayBinding() && !selected:
		return claimDecision{step: claimPending, event: waitingEvent(in.unscheduledPods)}
	case class != "":
		return provisionDecision(class, in.class)
	default:
		return claimDecision{step: claimPending, event: &event{corev1.EventTypeNormal, ReasonFailedBinding,
			"no persistent volumes available for this claim and no storage class is set"}}
	}
}

// waitingEvent is upstream's event for an unbound WaitForFirstConsumer
// claim: which pods it waits for, if any exist yet.
func waitingEvent(pods []string) *event {
	switch len(pods) {
	case 0:
		return &event{corev1.EventTypeNormal, ReasonWaitForFirstConsumer, "waiting for first consumer to be created before binding"}
	case 1:
		return &event{corev1.EventTypeNormal, ReasonWaitForPodScheduled, fmt.Sprintf("waiting for pod %s to be scheduled", pods[0])}
	}
	sorted := append([]string(nil), pods...)
	sort.Strings(sorted)
	return &event{corev1.EventTypeNormal, ReasonWaitForPodScheduled, fmt.Sprintf("waiting for pods %s to be scheduled", strings.Join(sorted, ","))}
}

// provisionDecision is what upstream reports for a claim of a class when
// no volume matches: Skiff has no in-tree provisioner, so a
// kubernetes.io/ provisioner fails as upstream's does when no plugin of
// that name exists, and any other name waits for an external provisioner.
func provisionDecision(name string, class *storagev1.StorageClass) claimDecision {
	if class == nil {
		return claimDecision{step: claimNone, event: &event{corev1.EventTypeWarning, ReasonProvisioningFailed,
			fmt.Sprintf("storageclass.storage.k8s.io %q not found", name)}}
	}
	if strings.HasPrefix(class.Provisioner, "kubernetes.io/") {
		return claimDecision{step: claimNone, event: &event{corev1.EventTypeWarning, ReasonProvisioningFailed,
			"no volume plugin matched name: " + class.Provisioner}}
	}
	return claimDecision{step: claimExternal, event: &event{corev1.EventTypeNormal, ReasonExternalProvisioning,
		fmt.Sprintf("Waiting for a volume to be created either by the external provisioner '%s' or manually by the system administrator. "+
			"If volume creation is delayed, please verify that the provisioner is running and correctly registered.", class.Provisioner)}}
}

// decideNamedClaim handles a claim that asked for a volume by name.
func decideNamedClaim(in claimInputs) claimDecision {
	c, v := in.claim, in.named
	switch {
	case v == nil:
		return claimDecision{step: claimPending}
	case v.Spec.ClaimRef == nil:
		if err := checkVolumeSatisfiesClaim(v, c); err != nil {
			return claimDecision{step: claimPending, event: &event{corev1.EventTypeWarning, ReasonVolumeMismatch,
				fmt.Sprintf("Cannot bind to requested volume %q: %s", v.Name, err)}}
		}
		return claimDecision{step: claimBind, volume: v}
	case BoundToClaim(v, c):
		return claimDecision{step: claimBind, volume: v}
	}
	ev := &event{corev1.EventTypeWarning, ReasonFailedBinding, fmt.Sprintf("volume %q already bound to a different claim.", v.Name)}
	if !metav1.HasAnnotation(c.ObjectMeta, AnnBoundByController) {
		return claimDecision{step: claimPending, event: ev}
	}
	return claimDecision{step: claimNone, event: ev, err: fmt.Errorf("invalid binding of claim %q to volume %q: volume already claimed by %q",
		c.Namespace+"/"+c.Name, v.Name, v.Spec.ClaimRef.Namespace+"/"+v.Spec.ClaimRef.Name)}
}

// decideBoundClaim keeps a bound claim bound, or marks it Lost.
func decideBoundClaim(in claimInputs) claimDecision {
	c, v := in.claim, in.named
	switch {
	case c.Spec.VolumeName == "":
		return claimDecision{step: claimLost, event: &event{corev1.EventTypeWarning, ReasonClaimLost,
			"Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"}}
	case v == nil:
		return claimDecision{step: claimLost, event: &event{corev1.EventTypeWarning, ReasonClaimLost,
			"Bound claim has lost its PersistentVolume. Data on the volume is lost!"}}
	case v.Spec.ClaimRef == nil || v.Spec.ClaimRef.UID == c.UID:
		return claimDecision{step: claimBind, volume: v}
	}
	return claimDecision{step: claimLost, event: &event{corev1.EventTypeWarning, ReasonClaimMisbound,
		"Two claims are bound to the same volume, this one is bound incorrectly"}}
}
