package persistentvolume

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Binder is the binder's reconciler. A Request without a namespace names
// a PersistentVolume, one with a namespace a PersistentVolumeClaim.
type Binder struct {
	client   kubernetes.Interface
	listers  listers
	recorder record.EventRecorder
	// volumes is the volume informer overlaid with the binder's writes.
	volumes *writtenVolumes
	now     func() time.Time
	enqueue func(controller.Request)
}

var _ controller.Reconciler = (*Binder)(nil)

// Reconcile syncs the volume or the claim req names.
func (b *Binder) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	if req.Namespace == "" {
		return controller.Result{}, b.syncVolume(ctx, req.Name)
	}
	return controller.Result{}, b.syncClaim(ctx, req.Namespace, req.Name)
}

// syncClaim decides what the claim needs (decide.go) and does it.
func (b *Binder) syncClaim(ctx context.Context, ns, name string) error {
	cached, err := b.listers.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := b.claimInputs(cached)
	if err != nil {
		return err
	}
	d := decideClaim(in)
	if d.event != nil {
		b.recorder.Event(cached, d.event.kind, d.event.reason, d.event.message)
	}
	var stepErr error
	switch d.step {
	case claimBind:
		stepErr = b.bind(ctx, d.volume, cached)
	case claimPending:
		_, stepErr = b.writeClaimStatus(ctx, cached, corev1.ClaimPending, nil)
	case claimLost:
		_, stepErr = b.writeClaimStatus(ctx, cached, corev1.ClaimLost, nil)
	case claimExternal:
		stepErr = b.annotateProvisioner(ctx, cached, in.class.Provisioner)
	}
	if stepErr != nil {
		return stepErr
	}
	return d.err
}

// claimInputs gathers what decideClaim reads from the caches.
func (b *Binder) claimInputs(c *corev1.PersistentVolumeClaim) (claimInputs, error) {
	in := claimInputs{claim: c}
	if name := ClaimClass(c); name != "" {
		class, err := b.listers.classes.Get(name)
		if err != nil && !apierrors.IsNotFound(err) {
			return in, err
		}
		in.class = class
	}
	var err error
	if c.Spec.VolumeName != "" {
		if in.named, err = b.volumes.Get(c.Spec.VolumeName); err != nil && !apierrors.IsNotFound(err) {
			return in, err
		}
		return in, nil
	}
	if in.volumes, err = b.volumes.List(); err != nil {
		return in, err
	}
	if in.delayBinding() {
		in.unscheduledPods, err = b.unscheduledPods(c)
	}
	return in, err
}

// unscheduledPods names the pods that use c and have no node yet.
func (b *Binder) unscheduledPods(c *corev1.PersistentVolumeClaim) ([]string, error) {
	pods, err := b.listers.pods.Pods(c.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods {
		if p.Spec.NodeName == "" && usesClaim(p, c) {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

// bind binds v and c to each other as upstream does: v's claimRef, v's
// phase Bound, c's volumeName and annotations, c's status Bound.
func (b *Binder) bind(ctx context.Context, v *corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) error {
	v, err := b.bindVolume(ctx, v, c)
	if err != nil {
		return fmt.Errorf("bind volume %s to claim %s/%s: %w", v.Name, c.Namespace, c.Name, err)
	}
	if v, err = b.writeVolumePhase(ctx, v, corev1.VolumeBound, ""); err != nil {
		return fmt.Errorf("volume %s phase: %w", v.Name, err)
	}
	if c, err = b.bindClaim(ctx, c, v); err != nil {
		return fmt.Errorf("bind claim %s/%s to volume %s: %w", c.Namespace, c.Name, v.Name, err)
	}
	_, err = b.writeClaimStatus(ctx, c, corev1.ClaimBound, v)
	return err
}

// bindVolume points v's claimRef at c (with c's UID), marking it bound by
// the controller unless the user pre-bound it.
func (b *Binder) bindVolume(ctx context.Context, v *corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) (*corev1.PersistentVolume, error) {
	ref := v.Spec.ClaimRef
	byController := !BoundToClaim(v, c)
	if ref != nil && ref.Name == c.Name && ref.Namespace == c.Namespace && ref.UID == c.UID && !byController {
		return v, nil
	}
	nv := v.DeepCopy()
	nv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: c.Namespace,
		Name: c.Name, UID: c.UID, ResourceVersion: c.ResourceVersion}
	if byController {
		metav1.SetMetaDataAnnotation(&nv.ObjectMeta, AnnBoundByController, "yes")
	}
	return b.storeVolume(b.client.CoreV1().PersistentVolumes().Update(ctx, nv, metav1.UpdateOptions{}))
}

// storeVolume records a volume the binder wrote in its overlay.
func (b *Binder) storeVolume(v *corev1.PersistentVolume, err error) (*corev1.PersistentVolume, error) {
	if err == nil {
		b.volumes.store(v)
	}
	return v, err
}

// bindClaim sets c's volumeName and the bind-completed (and, when the
// binder chose the volume, bound-by-controller) annotations.
func (b *Binder) bindClaim(ctx context.Context, c *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	nc := c.DeepCopy()
	dirty := false
	if c.Spec.VolumeName != v.Name {
		nc.Spec.VolumeName = v.Name
		if !metav1.HasAnnotation(nc.ObjectMeta, AnnBoundByController) {
			metav1.SetMetaDataAnnotation(&nc.ObjectMeta, AnnBoundByController, "yes")
		}
		dirty = true
	}
	if !metav1.HasAnnotation(nc.ObjectMeta, AnnBindCompleted) {
		metav1.SetMetaDataAnnotation(&nc.ObjectMeta, AnnBindCompleted, "yes")
		dirty = true
	}
	if !dirty {
		return c, nil
	}
	return b.client.CoreV1().PersistentVolumeClaims(c.Namespace).Update(ctx, nc, metav1.UpdateOptions{})
}

// annotateProvisioner names the external provisioner on c, as upstream's
// binder does before it waits for one.
func (b *Binder) annotateProvisioner(ctx context.Context, c *corev1.PersistentVolumeClaim, provisioner string) error {
	if c.Annotations[AnnStorageProvisioner] == provisioner && c.Annotations[AnnBetaStorageProvisioner] == provisioner {
		return nil
	}
	nc := c.DeepCopy()
	metav1.SetMetaDataAnnotation(&nc.ObjectMeta, AnnStorageProvisioner, provisioner)
	metav1.SetMetaDataAnnotation(&nc.ObjectMeta, AnnBetaStorageProvisioner, provisioner)
	_, err := b.client.CoreV1().PersistentVolumeClaims(c.Namespace).Update(ctx, nc, metav1.UpdateOptions{})
	return err
}

// writeClaimStatus writes phase and, from v (nil clears them), access
// modes and capacity; capacity only when the phase changes, as upstream.
func (b *Binder) writeClaimStatus(ctx context.Context, c *corev1.PersistentVolumeClaim, phase corev1.PersistentVolumeClaimPhase, v *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	nc := c.DeepCopy()
	st := &nc.Status
	st.Phase = phase
	if v == nil {
		st.AccessModes, st.Capacity = nil, nil
	} else {
		st.AccessModes = v.Spec.AccessModes
		if c.Status.Phase != phase {
			have, ok := c.Status.Capacity[corev1.ResourceStorage]
			if want := v.Spec.Capacity[corev1.ResourceStorage]; !ok || want.Cmp(have) != 0 {
				st.Capacity = v.Spec.Capacity
			}
		}
	}
	if statusEqual(c.Status, nc.Status) {
		return c, nil
	}
	return b.client.CoreV1().PersistentVolumeClaims(c.Namespace).UpdateStatus(ctx, nc, metav1.UpdateOptions{})
}

// writeVolumePhase writes v's phase and message, stamping the transition
// time when the phase changes.
func (b *Binder) writeVolumePhase(ctx context.Context, v *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, message string) (*corev1.PersistentVolume, error) {
	if v.Status.Phase == phase && v.Status.Message == message {
		return v, nil
	}
	nv := v.DeepCopy()
	if nv.Status.Phase != phase {
		nv.Status.LastPhaseTransitionTime = &metav1.Time{Time: b.now().Truncate(time.Second)}
	}
	nv.Status.Phase, nv.Status.Message = phase, message
	return b.storeVolume(b.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, nv, metav1.UpdateOptions{}))
}

func statusEqual(a, b corev1.PersistentVolumeClaimStatus) bool {
	return apiequality.Semantic.DeepEqual(a, b)
}
