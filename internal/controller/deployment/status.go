package deployment

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotations upstream writes on Deployments and ReplicaSets.
const (
	revisionAnnotation        = "deployment.kubernetes.io/revision"
	desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	maxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	hashLabel                 = appsv1.DefaultDeploymentUniqueLabelKey
)

// Condition reasons, as upstream.
const (
	reasonNewRSCreated     = "NewReplicaSetCreated"
	reasonFoundNewRS       = "FoundNewReplicaSet"
	reasonRSUpdated        = "ReplicaSetUpdated"
	reasonNewRSAvailable   = "NewReplicaSetAvailable"
	reasonTimedOut         = "ProgressDeadlineExceeded"
	reasonMinAvailable     = "MinimumReplicasAvailable"
	reasonMinUnavailable   = "MinimumReplicasUnavailable"
	reasonPaused           = "DeploymentPaused"
	reasonResumed          = "DeploymentResumed"
	defaultProgressSeconds = 600
)

// counts sums the status of the ReplicaSets of a Deployment.
func counts(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) appsv1.DeploymentStatus {
	st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount}
	for _, rs := range all {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(replicasOf(d)-st.AvailableReplicas, 0)
	return st
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// complete reports whether every replica runs the new template and is
// available, and no old pod is left.
func complete(d *appsv1.Deployment, st appsv1.DeploymentStatus) bool {
	r := replicasOf(d)
	return st.UpdatedReplicas == r && st.Replicas == r && st.AvailableReplicas == r && st.ObservedGeneration >= d.Generation
}

// conditions returns the Available and Progressing conditions of d with
// status st. created says the new ReplicaSet was created in this pass,
// progressed that a ReplicaSet was scaled.
func conditions(d *appsv1.Deployment, st appsv1.DeploymentStatus, newRS *appsv1.ReplicaSet, maxUnavailable int32, created, progressed bool, now time.Time) []appsv1.DeploymentCondition {
	conds := append([]appsv1.DeploymentCondition(nil), d.Status.Conditions...)
	if st.AvailableReplicas >= replicasOf(d)-maxUnavailable {
		conds = setCondition(conds, appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinAvailable, "Deployment has minimum availability.", now)
	} else {
		conds = setCondition(conds, appsv1.DeploymentAvailable, corev1.ConditionFalse, reasonMinUnavailable, "Deployment does not have minimum availability.", now)
	}
	name := ""
	if newRS != nil {
		name = newRS.Name
	}
	prog := findCondition(conds, appsv1.DeploymentProgressing)
	switch {
	case d.Spec.Paused:
		if prog == nil || prog.Reason != reasonPaused {
			conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonPaused, "Deployment is paused", now)
		}
	case prog != nil && prog.Reason == reasonPaused:
		conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonResumed, "Deployment is resumed", now)
	case complete(d, st):
		conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvailable,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", name), now)
	case created:
		conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", name), now)
	case progressed || prog == nil || prog.Reason == reasonNewRSAvailable:
		conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated,
			fmt.Sprintf("ReplicaSet %q is progressing.", name), now)
	case timedOut(d, prog, now):
		conds = setCondition(conds, appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut,
			fmt.Sprintf("ReplicaSet %q has timed out progressing.", name), now)
	}
	return conds
}

// timedOut reports whether a rollout has made no progress for
// progressDeadlineSeconds.
func timedOut(d *appsv1.Deployment, prog *appsv1.DeploymentCondition, now time.Time) bool {
	if prog == nil || prog.Reason == reasonTimedOut || prog.Reason == reasonNewRSAvailable {
		return false
	}
	secs := int32(defaultProgressSeconds)
	if d.Spec.ProgressDeadlineSeconds != nil {
		secs = *d.Spec.ProgressDeadlineSeconds
	}
	return !prog.LastUpdateTime.Add(time.Duration(secs) * time.Second).After(now)
}

func findCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// setCondition sets a condition; an unchanged one keeps its times, a
// changed reason or message updates lastUpdateTime, a changed status also
// lastTransitionTime.
func setCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) []appsv1.DeploymentCondition {
	c := appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg,
		LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
	old := findCondition(conds, t)
	if old == nil {
		return append(conds, c)
	}
	if old.Status == status && old.Reason == reason && old.Message == msg {
		return conds
	}
	if old.Status == status {
		c.LastTransitionTime = old.LastTransitionTime
	}
	*old = c
	return conds
}
