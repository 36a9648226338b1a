package deployment

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func maxSurgeOf(d *appsv1.Deployment) *intstr.IntOrString {
	if d.Spec.Strategy.RollingUpdate == nil {
		return nil
	}
	return d.Spec.Strategy.RollingUpdate.MaxSurge
}

func maxUnavailableOf(d *appsv1.Deployment) *intstr.IntOrString {
	if d.Spec.Strategy.RollingUpdate == nil {
		return nil
	}
	return d.Spec.Strategy.RollingUpdate.MaxUnavailable
}

// equalIgnoreHash compares two templates apart from pod-template-hash.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, hashLabel)
	delete(b.Labels, hashLabel)
	return apiequality.Semantic.DeepEqual(a, b)
}

// splitNew returns the ReplicaSet whose template is d's (the oldest, if
// several) and the others, oldest first.
func splitNew(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet) {
	sorted := slices.Clone(rss)
	slices.SortStableFunc(sorted, func(a, b *appsv1.ReplicaSet) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return compareStrings(a.Name, b.Name)
	})
	var newRS *appsv1.ReplicaSet
	var olds []*appsv1.ReplicaSet
	for _, rs := range sorted {
		if newRS == nil && equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			newRS = rs
			continue
		}
		olds = append(olds, rs)
	}
	return newRS, olds
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revision(rs))
	}
	return m
}

func specOf(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

// createNew creates the ReplicaSet of d's current template.
func (r *Reconciler) createNew(ctx context.Context, d *appsv1.Deployment, olds []*appsv1.ReplicaSet, surge int32) (*appsv1.ReplicaSet, error) {
	hash := templateHash(&d.Spec.Template, d.Status.CollisionCount)
	tmpl := *d.Spec.Template.DeepCopy()
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[hashLabel] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[hashLabel] = hash
	var total int32
	for _, o := range olds {
		total += specOf(o)
	}
	replicas := int32(0)
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		replicas = scaleUpNew(replicasOf(d), surge, total, 0)
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: tmpl.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, kind)},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: tmpl},
	}
	setNewRSAnnotations(d, rs, maxRevision(olds)+1)
	rs.Annotations[desiredReplicasAnnotation] = strconv.Itoa(int(replicasOf(d)))
	rs.Annotations[maxReplicasAnnotation] = strconv.Itoa(int(replicasOf(d) + surge))
	created, err := r.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if err == nil && replicas > 0 {
		r.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s to %d", created.Name, replicas)
	}
	if apierrors.IsAlreadyExists(err) {
		// A namesake with another template: bump the collision count so
		// the next pass hashes to a new name.
		n := int32(1)
		if d.Status.CollisionCount != nil {
			n = *d.Status.CollisionCount + 1
		}
		d.Status.CollisionCount = &n
		if _, uerr := r.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return created, r.setDeploymentRevision(ctx, d, created)
}

// syncRevision brings the new ReplicaSet's annotations up to date
// (setNewRSAnnotations: d's annotations, and the newest revision after a
// rollback to its template) and its minReadySeconds, and copies its
// revision onto d. The size annotations are scale's: they record the size
// of d the ReplicaSet was last scaled for, which is how a resize is told
// from a rollout.
func (r *Reconciler) syncRevision(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	c := newRS.DeepCopy()
	if setNewRSAnnotations(d, c, maxRevision(olds)+1) || c.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		c.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		got, err := r.client.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
		if err != nil {
			return nil, err
		}
		newRS = got
	}
	return newRS, r.setDeploymentRevision(ctx, d, newRS)
}

// setDeploymentRevision copies the revision of rs onto d, keeping d's
// resourceVersion current for the status write that follows. It writes
// through deployments/status, as upstream's controller does (UpdateStatus
// in getNewReplicaSet): the status strategy takes annotations and, unlike
// a write of the Deployment, does not bump its generation.
func (r *Reconciler) setDeploymentRevision(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet) error {
	rev := rs.Annotations[revisionAnnotation]
	if d.Annotations[revisionAnnotation] == rev {
		return nil
	}
	data, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{revisionAnnotation: rev}, "resourceVersion": d.ResourceVersion}})
	got, err := r.client.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.MergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil {
		return err
	}
	d.ObjectMeta = got.ObjectMeta
	return nil
}

// rolling takes one RollingUpdate step: scale the new ReplicaSet up, or
// else the old ones down. It reports whether it scaled anything.
func (r *Reconciler) rolling(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet, surge, unavailable int32) (bool, error) {
	// Old pods count until their ReplicaSet reports them gone, so the pods
	// that exist, not only the specs, stay within replicas+maxSurge.
	total := specOf(newRS)
	for _, o := range olds {
		total += max(specOf(o), o.Status.Replicas)
	}
	if want := scaleUpNew(replicasOf(d), surge, total, specOf(newRS)); want != specOf(newRS) {
		return true, r.scale(ctx, d, newRS, want, surge)
	}
	sets := make([]oldSet, len(olds))
	for i, o := range olds {
		sets[i] = oldSet{spec: specOf(o), available: o.Status.AvailableReplicas}
	}
	specs := scaleDownOld(sets, replicasOf(d), unavailable, specOf(newRS), newRS.Status.AvailableReplicas)
	scaled := false
	for i, o := range olds {
		if specs[i] != sets[i].spec {
			if err := r.scale(ctx, d, o, specs[i], surge); err != nil {
				return scaled, err
			}
			scaled = true
		}
	}
	return scaled, nil
}

// recreate scales the old ReplicaSets to zero, waits for their pods, then
// scales the new one up.
func (r *Reconciler) recreate(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet) (bool, error) {
	scaled := false
	for _, o := range olds {
		if specOf(o) > 0 {
			if err := r.scale(ctx, d, o, 0, 0); err != nil {
				return scaled, err
			}
			scaled = true
		}
	}
	if scaled {
		return true, nil
	}
	for _, o := range olds {
		if o.Status.Replicas > 0 {
			return false, nil
		}
	}
	if specOf(newRS) != replicasOf(d) {
		return true, r.scale(ctx, d, newRS, replicasOf(d), 0)
	}
	return false, nil
}

// cleanup deletes the oldest empty old ReplicaSets beyond
// revisionHistoryLimit (10 by default).
func (r *Reconciler) cleanup(ctx context.Context, d *appsv1.Deployment, olds []*appsv1.ReplicaSet) error {
	limit := int32(10)
	if d.Spec.RevisionHistoryLimit != nil {
		limit = *d.Spec.RevisionHistoryLimit
	}
	var empty []*appsv1.ReplicaSet
	for _, o := range olds {
		if specOf(o) == 0 && o.Status.Replicas == 0 && o.DeletionTimestamp == nil {
			empty = append(empty, o)
		}
	}
	slices.SortFunc(empty, func(a, b *appsv1.ReplicaSet) int { return int(revision(a) - revision(b)) })
	for i := 0; i < len(empty)-int(limit); i++ {
		err := r.client.AppsV1().ReplicaSets(d.Namespace).Delete(ctx, empty[i].Name,
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &empty[i].UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
