package persistentvolume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/controller"
)

// syncVolume decides what the volume needs (decide_volume.go) and does it.
func (b *Binder) syncVolume(ctx context.Context, name string) error {
	v, err := b.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	claim, err := b.claimOf(ctx, v)
	if err != nil {
		return err
	}
	d := decideVolume(v, claim)
	if d.event != nil {
		b.recorder.Event(v, d.event.kind, d.event.reason, d.event.message)
	}
	if d.claimEvent != nil {
		b.recorder.Event(claim, d.claimEvent.kind, d.claimEvent.reason, d.claimEvent.message)
	}
	switch d.step {
	case volumePhase:
		msg := ""
		if d.event != nil {
			msg = d.event.message
		}
		_, err = b.writeVolumePhase(ctx, v, d.phase, msg)
	case volumeEnqueueClaim:
		b.enqueue(controller.Request{Namespace: claim.Namespace, Name: claim.Name})
	case volumeUnbind:
		err = b.unbindVolume(ctx, v)
	case volumeDelete:
		err = b.deleteVolume(ctx, v)
	}
	return err
}

// deleteVolume marks v Released, as upstream does before it reclaims (the
// pv-protection loop lets a volume that is not Bound go), then deletes the
// PersistentVolume object; nothing deletes the storage behind it.
func (b *Binder) deleteVolume(ctx context.Context, v *corev1.PersistentVolume) error {
	v, err := b.writeVolumePhase(ctx, v, corev1.VolumeReleased, "")
	if err != nil {
		return ignoreNotFound(err)
	}
	err = b.client.CoreV1().PersistentVolumes().Delete(ctx, v.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &v.UID, ResourceVersion: &v.ResourceVersion}})
	return ignoreNotFound(err)
}

// claimOf returns the claim v's claimRef names, when it exists with the
// claimRef's UID. Like upstream it asks the API server before it believes
// a bound volume's claim is gone or replaced: the claim may be newer than
// the cache (the scheduler binds volumes to claims it has just seen).
func (b *Binder) claimOf(ctx context.Context, v *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	ref := v.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		return nil, nil
	}
	c, err := b.listers.claims.PersistentVolumeClaims(ref.Namespace).Get(ref.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if c != nil && c.UID == ref.UID {
		return c, nil
	}
	if v.Status.Phase == corev1.VolumeReleased || v.Status.Phase == corev1.VolumeFailed {
		return nil, nil
	}
	c, err = b.client.CoreV1().PersistentVolumeClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get claim %s/%s of volume %s: %w", ref.Namespace, ref.Name, v.Name, err)
	case c.UID != ref.UID:
		return nil, nil
	}
	return c, nil
}

// unbindVolume gives v back: the claimRef the binder set goes (with its
// annotation); a claimRef the user set keeps its name and loses only the
// UID. Then v is Available.
func (b *Binder) unbindVolume(ctx context.Context, v *corev1.PersistentVolume) error {
	nv := v.DeepCopy()
	if boundByController(v) {
		nv.Spec.ClaimRef = nil
		delete(nv.Annotations, AnnBoundByController)
		if len(nv.Annotations) == 0 {
			nv.Annotations = nil
		}
	} else {
		nv.Spec.ClaimRef.UID = ""
	}
	nv, err := b.storeVolume(b.client.CoreV1().PersistentVolumes().Update(ctx, nv, metav1.UpdateOptions{}))
	if err != nil {
		return fmt.Errorf("unbind volume %s: %w", v.Name, err)
	}
	_, err = b.writeVolumePhase(ctx, nv, corev1.VolumeAvailable, "")
	return err
}
