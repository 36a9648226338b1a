package persistentvolume

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volumeStep is what the binder does with a volume.
type volumeStep int

const (
	// volumePhase writes decision.phase (and the event's message as
	// status.message when there is an event).
	volumePhase volumeStep = iota
	// volumeEnqueueClaim leaves the volume alone and syncs its claim.
	volumeEnqueueClaim
	// volumeUnbind clears the claimRef the binder set (or only its UID
	// when the user pre-bound the volume) and writes phase Available.
	volumeUnbind
	// volumeDelete deletes the PersistentVolume object.
	volumeDelete
	// volumeNone writes nothing (events may still be recorded).
	volumeNone
)

// volumeDecision is what to do with a volume. claimEvent is recorded on
// the claim, event on the volume.
type volumeDecision struct {
	step       volumeStep
	phase      corev1.PersistentVolumePhase
	event      *event
	claimEvent *event
}

// decideVolume is upstream's syncVolume as a decision. claim is the claim
// the volume's claimRef names when it exists with the claimRef's UID, nil
// otherwise.
func decideVolume(v *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) volumeDecision {
	ref := v.Spec.ClaimRef
	switch {
	case ref == nil, ref.UID == "":
		// Unused, or reserved for a claim the claim sync will bind.
		return volumeDecision{step: volumePhase, phase: corev1.VolumeAvailable}
	case claim == nil:
		return decideReleased(v)
	case claim.Spec.VolumeName == "":
		if modeMismatch(claim, v) {
			return volumeDecision{step: volumeNone,
				event: &event{corev1.EventTypeWarning, ReasonVolumeMismatch,
					fmt.Sprintf("Cannot bind PersistentVolume to requested PersistentVolumeClaim %q due to incompatible volumeMode.", claim.Name)},
				claimEvent: &event{corev1.EventTypeWarning, ReasonVolumeMismatch,
					fmt.Sprintf("Cannot bind PersistentVolume %q to requested PersistentVolumeClaim due to incompatible volumeMode.", v.Name)}}
		}
		return volumeDecision{step: volumeEnqueueClaim}
	case claim.Spec.VolumeName == v.Name:
		return volumeDecision{step: volumePhase, phase: corev1.VolumeBound}
	}
	// The claim got bound to another volume: give this one back.
	return volumeDecision{step: volumeUnbind}
}

// decideReleased handles a volume whose claim is gone: it becomes Released
// and its reclaim policy runs. Retain keeps it Released; Delete deletes the
// PersistentVolume object (Skiff has no volume plugin that deletes the
// storage behind it); Recycle fails as upstream's does without a recycler
// plugin; an unknown policy fails.
func decideReleased(v *corev1.PersistentVolume) volumeDecision {
	switch v.Spec.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimRetain:
		if v.Status.Phase == corev1.VolumeReleased || v.Status.Phase == corev1.VolumeFailed {
			return volumeDecision{step: volumeNone}
		}
		return volumeDecision{step: volumePhase, phase: corev1.VolumeReleased}
	case corev1.PersistentVolumeReclaimDelete:
		return volumeDecision{step: volumeDelete}
	case corev1.PersistentVolumeReclaimRecycle:
		return failed(v, ReasonVolumeFailedRecycle, "No recycler plugin found for the volume!")
	}
	return failed(v, ReasonUnknownReclaimPolicy, "Volume has unrecognized PersistentVolumeReclaimPolicy")
}

// failed marks v Failed with a Warning event, once: like upstream's
// updateVolumePhaseWithEvent it does nothing when v is already Failed.
func failed(v *corev1.PersistentVolume, reason, message string) volumeDecision {
	if v.Status.Phase == corev1.VolumeFailed {
		return volumeDecision{step: volumeNone}
	}
	return volumeDecision{step: volumePhase, phase: corev1.VolumeFailed, event: &event{corev1.EventTypeWarning, reason, message}}
}

// boundByController reports whether the binder (not the user) bound o.
func boundByController(o metav1.Object) bool {
	_, ok := o.GetAnnotations()[AnnBoundByController]
	return ok
}
