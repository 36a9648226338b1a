package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// rules adapts typed check functions to kindRules; update and status may
// be nil.
func rules[T runtime.Object](create func(T) field.ErrorList, update, status func(T, T) field.ErrorList) kindRules {
	r := kindRules{create: func(o runtime.Object) field.ErrorList { return create(o.(T)) }}
	if update != nil {
		r.update = func(o, old runtime.Object) field.ErrorList { return update(o.(T), old.(T)) }
	}
	if status != nil {
		r.status = func(o, old runtime.Object) field.ErrorList { return status(o.(T), old.(T)) }
	}
	return r
}

// coreRules returns the rules of core/v1 kinds.
func coreRules(obj runtime.Object) (kindRules, bool) {
	switch obj.(type) {
	case *corev1.Pod:
		return rules(validatePod, validatePodUpdate, validatePodStatusUpdate), true
	case *corev1.PodTemplate:
		return rules(validatePodTemplate, nil, nil), true
	case *corev1.ReplicationController:
		return rules(validateRC, nil, nil), true
	case *corev1.Service:
		return rules(validateService, validateServiceUpdate, nil), true
	case *corev1.Namespace:
		return rules(validateNamespace, nil, nil), true
	case *corev1.Secret:
		return rules(validateSecret, validateSecretUpdate, nil), true
	case *corev1.ConfigMap:
		return rules(validateConfigMap, validateConfigMapUpdate, nil), true
	case *corev1.ServiceAccount:
		return rules(validateServiceAccount, nil, nil), true
	case *corev1.PersistentVolume:
		return rules(validatePV, validatePVUpdate, nil), true
	case *corev1.PersistentVolumeClaim:
		return rules(validatePVC, validatePVCUpdate, nil), true
	case *corev1.Node:
		return rules(validateNode, validateNodeUpdate, validateNodeStatus), true
	case *corev1.Endpoints:
		return rules(validateEndpoints, nil, nil), true
	case *corev1.Event:
		return rules(validateEvent, nil, nil), true
	case *corev1.LimitRange:
		return rules(validateLimitRange, nil, nil), true
	case *corev1.ResourceQuota:
		return rules(validateResourceQuota, nil, nil), true
	}
	return kindRules{}, false
}
