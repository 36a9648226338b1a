package statefulset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// retention returns whenDeleted and whenScaled, Retain when unset.
func retention(set *appsv1.StatefulSet) (whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) {
	whenDeleted, whenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		if p.WhenDeleted != "" {
			whenDeleted = p.WhenDeleted
		}
		if p.WhenScaled != "" {
			whenScaled = p.WhenScaled
		}
	}
	return whenDeleted, whenScaled
}

// claimOwners is the owner references a claim of ordinal ord should have
// under set's retention policy, as upstream: whenDeleted Delete makes the
// set an owner while the ordinal is in range; whenScaled Delete makes the
// pod (when given) the owner once its ordinal is out of range, so that
// deleting it deletes the claim. Other owners are kept.
func claimOwners(set *appsv1.StatefulSet, pod *corev1.Pod, ord int, cur []metav1.OwnerReference) []metav1.OwnerReference {
	out := slices.DeleteFunc(slices.Clone(cur), func(o metav1.OwnerReference) bool {
		return o.UID == set.UID || (pod != nil && o.UID == pod.UID)
	})
	whenDeleted, whenScaled := retention(set)
	scaledDown := ord < startOf(set) || ord >= startOf(set)+replicasOf(set)
	del := appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	if whenDeleted == del && !(scaledDown && whenScaled == del) {
		ref := *metav1.NewControllerRef(set, kind)
		ref.BlockOwnerDeletion = new(bool)
		out = append(out, ref)
	}
	if pod != nil && scaledDown && whenScaled == del {
		out = append(out, metav1.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ensureClaims creates the missing claims of ordinal ord and sets the
// owners of the existing ones; pod is nil for a pod about to be created.
func (r *Reconciler) ensureClaims(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod, ord int) error {
	var errs []error
	for _, want := range newClaims(set, ord) {
		cur, err := r.claims.PersistentVolumeClaims(set.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			want.OwnerReferences = claimOwners(set, pod, ord, want.OwnerReferences)
			errs = append(errs, r.createClaim(ctx, set, want, ord))
		case err != nil:
			errs = append(errs, err)
		case pod == nil && cur.DeletionTimestamp != nil:
			// A claim still being deleted (its pod was scaled away with
			// whenScaled Delete) must go before a new pod may use the name.
			errs = append(errs, apierrors.NewConflict(corev1.Resource("persistentvolumeclaims"), cur.Name,
				fmt.Errorf("claim %s is being deleted", cur.Name)))
		default:
			refs := claimOwners(set, pod, ord, cur.OwnerReferences)
			if !apiequality.Semantic.DeepEqual(refs, cur.OwnerReferences) && !(len(refs) == 0 && len(cur.OwnerReferences) == 0) {
				errs = append(errs, r.patchClaimOwners(ctx, cur, refs))
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) createClaim(ctx context.Context, set *appsv1.StatefulSet, c *corev1.PersistentVolumeClaim, ord int) error {
	pod := podName(set.Name, ord)
	_, err := r.client.CoreV1().PersistentVolumeClaims(c.Namespace).Create(ctx, c, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		r.rec.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s", c.Name, pod, set.Name, err)
		return fmt.Errorf("create claim %s: %w", c.Name, err)
	}
	r.rec.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", c.Name, pod, set.Name)
	return nil
}

func (r *Reconciler) patchClaimOwners(ctx context.Context, c *corev1.PersistentVolumeClaim, refs []metav1.OwnerReference) error {
	var v any = refs
	if refs == nil {
		v = nil
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": v, "resourceVersion": c.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().PersistentVolumeClaims(c.Namespace).Patch(ctx, c.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
