package statefulset

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// computeStatus counts the set's pods as upstream: every pod is a
// replica, ready ones Running and Ready, available ones ready for
// minReadySeconds; current and updated ones are not terminating and carry
// the current and update revisions. A RollingUpdate whose pods are all
// updated and ready completes: the update revision becomes current.
func computeStatus(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, rv revs, now time.Time) appsv1.StatefulSetStatus {
	cc := rv.collisionCount
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    rv.current.Name,
		UpdateRevision:     rv.update.Name,
		CollisionCount:     &cc,
		Conditions:         set.Status.Conditions,
	}
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second
	for _, p := range pods {
		st.Replicas++
		if isRunningReady(p) {
			st.ReadyReplicas++
			if availableIn(p, minReady, now) == 0 {
				st.AvailableReplicas++
			}
		}
		if isTerminating(p) {
			continue
		}
		if revisionOf(p) == rv.current.Name {
			st.CurrentReplicas++
		}
		if revisionOf(p) == rv.update.Name {
			st.UpdatedReplicas++
		}
	}
	if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType &&
		st.UpdatedReplicas == st.Replicas && st.ReadyReplicas == st.Replicas {
		st.CurrentRevision = st.UpdateRevision
		st.CurrentReplicas = st.UpdatedReplicas
	}
	return st
}

// nextAvailableCheck is how long until a ready pod becomes available, 0
// when none is waiting for minReadySeconds.
func nextAvailableCheck(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, now time.Time) time.Duration {
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second
	var next time.Duration
	for _, p := range pods {
		if d := availableIn(p, minReady, now); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	return next
}

// writeStatus updates status when it differs from what set shows.
func (r *Reconciler) writeStatus(ctx context.Context, set *appsv1.StatefulSet, st appsv1.StatefulSetStatus) error {
	if apiequality.Semantic.DeepEqual(set.Status, st) {
		return nil
	}
	set.Status = st
	_, err := r.client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, set, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
