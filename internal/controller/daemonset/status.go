package daemonset

import (
	"context"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// computeStatus counts nodes as upstream: a node that should run a pod is
// desired, scheduled when a pod targets it, and its oldest pod decides
// ready, available and updated; a node that should not run one but has
// one is misscheduled.
func computeStatus(ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string, cc int32, now time.Time) appsv1.DaemonSetStatus {
	st := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, CollisionCount: &cc, Conditions: ds.Status.Conditions}
	spec := daemonSpec(ds)
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	for _, n := range nodes {
		run, _ := shouldRun(spec, n)
		pods := byNode[n.Name]
		switch {
		case run && len(pods) > 0:
			st.DesiredNumberScheduled++
			st.CurrentNumberScheduled++
			p := oldest(pods)
			if isAvailable(p, 0, now) {
				st.NumberReady++
				if isAvailable(p, minReady, now) {
					st.NumberAvailable++
				}
			}
			if isUpdated(p, hash, ds.Generation) {
				st.UpdatedNumberScheduled++
			}
		case run:
			st.DesiredNumberScheduled++
		case len(pods) > 0:
			st.NumberMisscheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

// oldest is the oldest of pods, preferring ones not being deleted.
func oldest(pods []*corev1.Pod) *corev1.Pod {
	s := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(s, func(i, j int) bool {
		if (s[i].DeletionTimestamp == nil) != (s[j].DeletionTimestamp == nil) {
			return s[i].DeletionTimestamp == nil
		}
		return s[i].CreationTimestamp.Before(&s[j].CreationTimestamp)
	})
	return s[0]
}

// writeStatus updates status when it differs from what ds shows.
func (r *Reconciler) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, st appsv1.DaemonSetStatus) error {
	if apiequality.Semantic.DeepEqual(ds.Status, st) {
		return nil
	}
	ds.Status = st
	_, err := r.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
