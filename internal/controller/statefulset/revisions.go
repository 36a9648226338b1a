package statefulset

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/skiff-dev/skiff/internal/controller/history"
)

// revisionHistoryLimit defaults spec.revisionHistoryLimit, as upstream.
const revisionHistoryLimit = 10

// revs are the two revisions a sync works with and the collision count
// that named the update revision.
type revs struct {
	current, update *appsv1.ControllerRevision
	// currentTemplate is the template of current.
	currentTemplate *corev1.PodTemplateSpec
	collisionCount  int32
}

// revisions finds or creates the update revision (spec.template) and the
// current one (status.currentRevision, the update revision when unknown),
// as upstream: a template equal to the newest revision reuses it; equal to
// an older one (a rollback) renumbers that one as the newest.
func (r *Reconciler) revisions(ctx context.Context, set *appsv1.StatefulSet, all []*appsv1.ControllerRevision) (revs, error) {
	var out revs
	if set.Status.CollisionCount != nil {
		out.collisionCount = *set.Status.CollisionCount
	}
	data, err := history.TemplatePatch(&set.Spec.Template)
	if err != nil {
		return out, err
	}
	want := history.New(set, kind, set.Spec.Template.Labels, data, history.Next(all), &out.collisionCount, history.StatefulSetHashLabel)
	equal := history.FindEqual(all, want, history.StatefulSetHashLabel)
	switch {
	case len(equal) > 0 && equal[len(equal)-1] == all[len(all)-1]:
		out.update = all[len(all)-1]
	case len(equal) > 0:
		out.update, err = r.history.Renumber(ctx, equal[len(equal)-1], want.Revision)
	default:
		out.update, err = r.history.Create(ctx, set, want, &out.collisionCount)
	}
	if err != nil {
		return out, err
	}
	out.current = out.update
	out.currentTemplate = &set.Spec.Template
	if i := slices.IndexFunc(all, func(x *appsv1.ControllerRevision) bool { return x.Name == set.Status.CurrentRevision }); i >= 0 && all[i].Name != out.update.Name {
		t, err := history.Template(all[i])
		if err != nil {
			return out, err
		}
		out.current, out.currentTemplate = all[i], t
	}
	return out, nil
}

// trimHistory deletes the revisions beyond revisionHistoryLimit that
// neither a pod nor the status uses, oldest first.
func (r *Reconciler) trimHistory(ctx context.Context, set *appsv1.StatefulSet, pods map[int]*corev1.Pod, all []*appsv1.ControllerRevision, rv revs) error {
	live := map[string]bool{rv.current.Name: true, rv.update.Name: true}
	for _, p := range pods {
		live[revisionOf(p)] = true
	}
	limit := revisionHistoryLimit
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	var errs []error
	for _, old := range history.ToTrim(all, live, limit) {
		errs = append(errs, r.history.Delete(ctx, old))
	}
	return errors.Join(errs...)
}

// scaledMaxUnavailable is maxUnavailable against replicas, rounded down
// and at least 1, as upstream.
func scaledMaxUnavailable(v *intstr.IntOrString, replicas int) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, replicas, false)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// claimPods returns set's pods by ordinal after adopting the orphans its
// selector matches and releasing the owned pods it no longer matches.
// Pods whose name is not <set>-<ordinal> are left out.
func (r *Reconciler) claimPods(ctx context.Context, set *appsv1.StatefulSet, sel labels.Selector) (map[int]*corev1.Pod, error) {
	all, err := r.pods.Pods(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := map[int]*corev1.Pod{}
	var errs []error
	for _, p := range all {
		matches := !sel.Empty() && sel.Matches(labels.Set(p.Labels))
		ref := metav1.GetControllerOfNoCopy(p)
		ord := ordinalOf(set.Name, p.Name)
		switch {
		case ref != nil && ref.UID != set.UID:
		case ref != nil && matches:
			if ord >= 0 {
				out[ord] = p
			}
		case ref != nil:
			if p.DeletionTimestamp == nil {
				refs := slices.DeleteFunc(slices.Clone(p.OwnerReferences), func(o metav1.OwnerReference) bool { return o.UID == set.UID })
				errs = append(errs, r.patchOwners(ctx, p, refs))
			}
		case matches && ord >= 0 && p.DeletionTimestamp == nil:
			refs := append(slices.Clone(p.OwnerReferences), *metav1.NewControllerRef(set, kind))
			err := r.patchOwners(ctx, p, refs)
			if err == nil {
				out[ord] = p
			}
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

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
