package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var statusPath = field.NewPath("status")

// counts reports each negative status count.
func counts(c map[string]int64) field.ErrorList {
	var errs field.ErrorList
	for name, v := range c {
		errs = append(errs, nonNegative(v, statusPath.Child(name))...)
	}
	return errs
}

func validateDeploymentStatus(d, _ *appsv1.Deployment) field.ErrorList {
	s := d.Status
	return counts(map[string]int64{"replicas": int64(s.Replicas), "updatedReplicas": int64(s.UpdatedReplicas),
		"readyReplicas": int64(s.ReadyReplicas), "availableReplicas": int64(s.AvailableReplicas),
		"unavailableReplicas": int64(s.UnavailableReplicas), "observedGeneration": s.ObservedGeneration})
}

func validateReplicaSetStatus(rs, _ *appsv1.ReplicaSet) field.ErrorList {
	s := rs.Status
	return counts(map[string]int64{"replicas": int64(s.Replicas), "fullyLabeledReplicas": int64(s.FullyLabeledReplicas),
		"readyReplicas": int64(s.ReadyReplicas), "availableReplicas": int64(s.AvailableReplicas),
		"observedGeneration": s.ObservedGeneration})
}

func validateStatefulSetStatus(ss, _ *appsv1.StatefulSet) field.ErrorList {
	s := ss.Status
	return counts(map[string]int64{"replicas": int64(s.Replicas), "readyReplicas": int64(s.ReadyReplicas),
		"currentReplicas": int64(s.CurrentReplicas), "updatedReplicas": int64(s.UpdatedReplicas),
		"availableReplicas": int64(s.AvailableReplicas), "observedGeneration": s.ObservedGeneration})
}

func validateDaemonSetStatus(ds, _ *appsv1.DaemonSet) field.ErrorList {
	s := ds.Status
	return counts(map[string]int64{"currentNumberScheduled": int64(s.CurrentNumberScheduled),
		"numberMisscheduled": int64(s.NumberMisscheduled), "desiredNumberScheduled": int64(s.DesiredNumberScheduled),
		"numberReady": int64(s.NumberReady), "updatedNumberScheduled": int64(s.UpdatedNumberScheduled),
		"numberAvailable": int64(s.NumberAvailable), "numberUnavailable": int64(s.NumberUnavailable),
		"observedGeneration": s.ObservedGeneration})
}

// appsRules returns the rules of apps/v1 kinds.
func appsRules(obj runtime.Object) (kindRules, bool) {
	switch obj.(type) {
	case *appsv1.Deployment:
		return rules(validateDeployment, validateDeploymentUpdate, validateDeploymentStatus), true
	case *appsv1.ReplicaSet:
		return rules(validateReplicaSet, validateReplicaSetUpdate, validateReplicaSetStatus), true
	case *appsv1.StatefulSet:
		return rules(validateStatefulSet, validateStatefulSetUpdate, validateStatefulSetStatus), true
	case *appsv1.DaemonSet:
		return rules(validateDaemonSet, validateDaemonSetUpdate, validateDaemonSetStatus), true
	}
	return kindRules{}, false
}
