package apiserver

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
)

// dropDisabledFields clears the fields of a written object that belong to
// a feature gate off by default in 1.33, unless old (the stored object on
// an update, nil on create) already uses them, as upstream's strategies'
// dropDisabledFields do so that an object written while a gate was on
// stays writable.
func dropDisabledFields(obj, old runtime.Object) {
	dropDisabledPodFields(obj, old)
	switch o := obj.(type) {
	case *autoscalingv2.HorizontalPodAutoscaler:
		was, _ := old.(*autoscalingv2.HorizontalPodAutoscaler)
		dropHPATolerance(o, was)
	case *appsv1.Deployment:
		// DeploymentReplicaSetTerminatingReplicas, alpha in 1.33.
		if was, ok := old.(*appsv1.Deployment); !ok || was.Status.TerminatingReplicas == nil {
			o.Status.TerminatingReplicas = nil
		}
	case *appsv1.ReplicaSet:
		if was, ok := old.(*appsv1.ReplicaSet); !ok || was.Status.TerminatingReplicas == nil {
			o.Status.TerminatingReplicas = nil
		}
	}
}

// dropHPATolerance clears spec.behavior.scaleUp/scaleDown.tolerance
// (gate HPAConfigurableTolerance, alpha in 1.33) unless old sets either,
// as upstream's horizontalpodautoscaler strategy.
func dropHPATolerance(hpa, old *autoscalingv2.HorizontalPodAutoscaler) {
	if hpaToleranceInUse(old) || hpa.Spec.Behavior == nil {
		return
	}
	for _, r := range []*autoscalingv2.HPAScalingRules{hpa.Spec.Behavior.ScaleUp, hpa.Spec.Behavior.ScaleDown} {
		if r != nil {
			r.Tolerance = nil
		}
	}
}

// hpaToleranceInUse reports whether hpa (possibly nil) sets a tolerance
// in either scaling direction.
func hpaToleranceInUse(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	if hpa == nil || hpa.Spec.Behavior == nil {
		return false
	}
	for _, r := range []*autoscalingv2.HPAScalingRules{hpa.Spec.Behavior.ScaleUp, hpa.Spec.Behavior.ScaleDown} {
		if r != nil && r.Tolerance != nil {
			return true
		}
	}
	return false
}
