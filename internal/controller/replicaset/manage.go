package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// claim returns the active pods rs owns after adopting the orphans its
// selector matches and releasing the owned pods it no longer matches.
func (r *Reconciler) claim(ctx context.Context, rs *appsv1.ReplicaSet, sel labels.Selector, all []*corev1.Pod) ([]*corev1.Pod, error) {
	var owned []*corev1.Pod
	var errs []error
	for _, p := range all {
		matches := !sel.Empty() && sel.Matches(labels.Set(p.Labels))
		ref := metav1.GetControllerOfNoCopy(p)
		switch {
		case ref != nil && ref.UID != rs.UID:
			continue
		case ref != nil && matches:
			if isActive(p) {
				owned = append(owned, p)
			}
		case ref != nil:
			if p.DeletionTimestamp == nil {
				refs := slices.DeleteFunc(slices.Clone(p.OwnerReferences), func(o metav1.OwnerReference) bool { return o.UID == rs.UID })
				errs = append(errs, r.patchOwners(ctx, p, refs))
			}
		case matches && isActive(p) && rs.DeletionTimestamp == nil:
			refs := append(slices.Clone(p.OwnerReferences), *metav1.NewControllerRef(rs, r.kind.GVK))
			err := r.patchOwners(ctx, p, refs)
			if err == nil {
				owned = append(owned, p)
			}
			errs = append(errs, err)
		}
	}
	return owned, errors.Join(errs...)
}

// patchOwners sets the owner references of p, guarded by its
// resourceVersion; a pod gone meanwhile is no error.
func (r *Reconciler) patchOwners(ctx context.Context, p *corev1.Pod, refs []metav1.OwnerReference) error {
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs, "resourceVersion": p.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// manage creates or deletes pods towards spec.replicas. It returns the
// condition reason and the first failure.
func (r *Reconciler) manage(ctx context.Context, rs *appsv1.ReplicaSet, key string, pods []*corev1.Pod) (string, error) {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	diff := len(pods) - int(want)
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		r.exp.Expect(key, n, 0)
		if err := r.createPods(ctx, rs, key, n); err != nil {
			return "FailedCreate", err
		}
	case diff > 0:
		n := min(diff, burstReplicas)
		r.exp.Expect(key, 0, n)
		if err := r.deletePods(ctx, rs, key, podsToDelete(pods, n)); err != nil {
			return "FailedDelete", err
		}
	}
	return "", nil
}

// createPods creates n pods in slow-start batches; after a failing batch
// the rest are not attempted, and every pod not created is taken off the
// expectations.
func (r *Reconciler) createPods(ctx context.Context, rs *appsv1.ReplicaSet, key string, n int) error {
	attempted := 0
	for _, size := range slowStartBatches(n) {
		var wg sync.WaitGroup
		errs := make([]error, size)
		for i := range size {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := r.client.CoreV1().Pods(rs.Namespace).Create(ctx, podFromTemplate(rs, r.kind.GVK), metav1.CreateOptions{})
				if err != nil {
					r.recorder.Eventf(r.kind.reference(rs), corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
				} else {
					r.recorder.Eventf(r.kind.reference(rs), corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", p.Name)
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		attempted += size
		var failed []error
		for _, err := range errs {
			if err != nil {
				r.exp.Observe(key, 1, 0)
				failed = append(failed, err)
			}
		}
		if len(failed) > 0 {
			r.exp.Observe(key, n-attempted, 0)
			return fmt.Errorf("create pods for replicaset %s: %w", key, failed[0])
		}
	}
	return nil
}

// deletePods deletes victims at once; each failure is taken off the
// expectations.
func (r *Reconciler) deletePods(ctx context.Context, rs *appsv1.ReplicaSet, key string, victims []*corev1.Pod) error {
	var wg sync.WaitGroup
	errs := make([]error, len(victims))
	for i, p := range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			if err != nil {
				r.exp.Observe(key, 0, 1)
				if !apierrors.IsNotFound(err) {
					r.recorder.Eventf(r.kind.reference(rs), corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
					errs[i] = fmt.Errorf("delete pod %s: %w", p.Name, err)
				}
				return
			}
			r.recorder.Eventf(r.kind.reference(rs), corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// podFromTemplate is a new pod of rs: its template, named after it and
// controlled by it.
func podFromTemplate(rs *appsv1.ReplicaSet, gvk schema.GroupVersionKind) *corev1.Pod {
	t := rs.Spec.Template
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, gvk)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
}
