package replicaset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// computeStatus returns the status rs should show for its active pods;
// manageErr, if set, is a failure to create or delete pods.
func computeStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, manageErr error, failReason string, now time.Time) appsv1.ReplicaSetStatus {
	st := appsv1.ReplicaSetStatus{
		Replicas:           int32(len(pods)),
		ObservedGeneration: rs.Generation,
		Conditions:         rs.Status.Conditions,
	}
	templateLabels := labels.Set(rs.Spec.Template.Labels).AsSelectorPreValidated()
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	for _, p := range pods {
		if templateLabels.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if isReady(p) {
			st.ReadyReplicas++
			if isAvailable(p, minReady, now) {
				st.AvailableReplicas++
			}
		}
	}
	st.Conditions = withFailure(st.Conditions, manageErr, failReason, now)
	return st
}

// withFailure sets the ReplicaFailure condition when err is set and
// removes it when not.
func withFailure(conds []appsv1.ReplicaSetCondition, err error, reason string, now time.Time) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	for _, c := range conds {
		if c.Type != appsv1.ReplicaSetReplicaFailure {
			out = append(out, c)
		}
	}
	if err != nil {
		out = append(out, appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			Reason: reason, Message: err.Error(), LastTransitionTime: metav1.NewTime(now)})
	}
	return out
}

// nextAvailableCheck is how long until a ready pod becomes available, or
// zero when none is waiting for minReadySeconds.
func nextAvailableCheck(rs *appsv1.ReplicaSet, pods []*corev1.Pod, now time.Time) time.Duration {
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	var next time.Duration
	for _, p := range pods {
		if !isReady(p) || isAvailable(p, minReady, now) {
			continue
		}
		d := readyCondition(p).LastTransitionTime.Add(minReady).Sub(now) + time.Second
		if next == 0 || d < next {
			next = d
		}
	}
	return next
}
