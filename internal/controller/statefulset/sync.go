package statefulset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// perform carries out a plan: identity and claim upkeep of the pods that
// exist, then deletions of failed pods, creations, deletions of condemned
// pods and rolling-update deletions.
func (r *Reconciler) perform(ctx context.Context, set *appsv1.StatefulSet, key string, rv revs, pods map[int]*corev1.Pod, pl plan) error {
	var errs []error
	for ord, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		errs = append(errs, r.ensureClaims(ctx, set, p, ord))
		if add := identityLabels(set, p, ord); add != nil && inRange(set, ord) {
			errs = append(errs, r.patchLabels(ctx, set, p, add))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var victims []*corev1.Pod
	for _, p := range pl.recreate {
		if p.Status.Phase == corev1.PodFailed {
			r.rec.Eventf(set, corev1.EventTypeWarning, "RecreatingFailedPod", "StatefulSet %s/%s is recreating failed Pod %s", set.Namespace, set.Name, p.Name)
		} else {
			r.rec.Eventf(set, corev1.EventTypeNormal, "RecreatingTerminatedPod", "StatefulSet %s/%s is recreating terminated Pod %s", set.Namespace, set.Name, p.Name)
		}
		victims = append(victims, p)
	}
	victims = append(append(victims, pl.condemn...), pl.update...)
	r.exp.Expect(key, len(pl.create), len(victims))
	errs = append(errs, r.createPods(ctx, set, key, rv, pl.create), r.deletePods(ctx, set, key, victims))
	return errors.Join(errs...)
}

func inRange(set *appsv1.StatefulSet, ord int) bool {
	return ord >= startOf(set) && ord < startOf(set)+replicasOf(set)
}

// templateFor picks the revision a new pod of ordinal ord is made from:
// the current one below the partition of a RollingUpdate, the update one
// otherwise, as upstream.
func templateFor(set *appsv1.StatefulSet, rv revs, ord int) (*corev1.PodTemplateSpec, string) {
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType && ru != nil && ru.Partition != nil &&
		ord < startOf(set)+int(*ru.Partition) {
		return rv.currentTemplate, rv.current.Name
	}
	return &set.Spec.Template, rv.update.Name
}

// createPods creates the claims and pods of ords concurrently; every pod
// not created is taken off the expectations.
func (r *Reconciler) createPods(ctx context.Context, set *appsv1.StatefulSet, key string, rv revs, ords []int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(ords))
	for i, ord := range ords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.ensureClaims(ctx, set, nil, ord); err != nil {
				r.exp.Observe(key, 1, 0)
				errs[i] = err
				return
			}
			tmpl, rev := templateFor(set, rv, ord)
			p := newPod(set, tmpl, rev, ord)
			_, err := r.client.CoreV1().Pods(set.Namespace).Create(ctx, p, metav1.CreateOptions{})
			switch {
			case apierrors.IsAlreadyExists(err):
				r.exp.Observe(key, 1, 0)
			case err != nil:
				r.exp.Observe(key, 1, 0)
				r.rec.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s", p.Name, set.Name, err)
				errs[i] = fmt.Errorf("create pod %s: %w", p.Name, err)
			default:
				r.rec.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", p.Name, set.Name)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deletePods deletes victims concurrently, each guarded by its UID.
func (r *Reconciler) deletePods(ctx context.Context, set *appsv1.StatefulSet, key string, victims []*corev1.Pod) error {
	var wg sync.WaitGroup
	errs := make([]error, len(victims))
	for i, p := range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			switch {
			case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
				r.exp.Observe(key, 0, 1)
			case err != nil:
				r.exp.Observe(key, 0, 1)
				r.rec.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %s", p.Name, set.Name, err)
				errs[i] = fmt.Errorf("delete pod %s: %w", p.Name, err)
			default:
				r.rec.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", p.Name, set.Name)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// patchLabels adds the identity labels a pod lacks.
func (r *Reconciler) patchLabels(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod, add map[string]string) error {
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": add}})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		r.rec.Eventf(set, corev1.EventTypeWarning, "FailedUpdate", "update Pod %s in StatefulSet %s failed error: %s", p.Name, set.Name, err)
		return err
	}
	r.rec.Eventf(set, corev1.EventTypeNormal, "SuccessfulUpdate", "update Pod %s in StatefulSet %s successful", p.Name, set.Name)
	return nil
}
