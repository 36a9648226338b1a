package apiserver

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// dropDisabledPodFields clears the pod fields of the feature gates off by
// default in 1.33 from a pod or a workload's pod template, unless old
// (nil on create) uses them, as upstream's DropDisabledPodFields and
// DropDisabledTemplateFields: pod-level resources (PodLevelResources),
// resource claims (DynamicResourceAllocation), container stop signals
// (ContainerStopSignals) and a pod's status.observedGeneration
// (PodObservedGenerationTracking).
func dropDisabledPodFields(obj, old runtime.Object) {
	spec, oldSpec := podSpecs(obj, old)
	if spec != nil {
		dropDisabledPodSpecFields(spec, oldSpec)
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		was, _ := old.(*corev1.Pod)
		dropDisabledPodStatusFields(&pod.Status, was)
	}
}

// podSpecs returns the pod spec of obj and of old (nil when old is nil),
// for a pod and for the kinds with a pod template.
func podSpecs(obj, old runtime.Object) (spec, oldSpec *corev1.PodSpec) {
	of := func(o runtime.Object) *corev1.PodSpec {
		switch o := o.(type) {
		case *corev1.Pod:
			return &o.Spec
		case *corev1.PodTemplate:
			return &o.Template.Spec
		case *corev1.ReplicationController:
			if o.Spec.Template != nil {
				return &o.Spec.Template.Spec
			}
		case *appsv1.Deployment:
			return &o.Spec.Template.Spec
		case *appsv1.ReplicaSet:
			return &o.Spec.Template.Spec
		case *appsv1.StatefulSet:
			return &o.Spec.Template.Spec
		case *appsv1.DaemonSet:
			return &o.Spec.Template.Spec
		case *batchv1.Job:
			return &o.Spec.Template.Spec
		case *batchv1.CronJob:
			return &o.Spec.JobTemplate.Spec.Template.Spec
		}
		return nil
	}
	spec = of(obj)
	if old != nil {
		oldSpec = of(old)
	}
	return spec, oldSpec
}

// dropDisabledPodSpecFields clears spec's disabled fields that oldSpec
// (possibly nil) does not use.
func dropDisabledPodSpecFields(spec, oldSpec *corev1.PodSpec) {
	if oldSpec == nil || oldSpec.Resources == nil {
		spec.Resources = nil
	}
	if !claimsInUse(oldSpec) {
		spec.ResourceClaims = nil
		eachContainer(spec, func(c *corev1.Container) { c.Resources.Claims = nil })
	}
	if !stopSignalsInUse(oldSpec) {
		eachContainer(spec, func(c *corev1.Container) {
			if c.Lifecycle != nil {
				c.Lifecycle.StopSignal = nil
			}
		})
	}
}

// dropDisabledPodStatusFields clears a pod status's disabled fields that
// old (nil on create) does not use.
func dropDisabledPodStatusFields(st *corev1.PodStatus, old *corev1.Pod) {
	var was *corev1.PodStatus
	if old != nil {
		was = &old.Status
	}
	if was == nil || len(was.ResourceClaimStatuses) == 0 {
		st.ResourceClaimStatuses = nil
	}
	if !observedGenerationInUse(was) {
		st.ObservedGeneration = 0
		for i := range st.Conditions {
			st.Conditions[i].ObservedGeneration = 0
		}
	}
	if !statusStopSignalsInUse(was) {
		for _, list := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
			for i := range list {
				list[i].StopSignal = nil
			}
		}
	}
}

// eachContainer calls fn for each init, regular and ephemeral container.
func eachContainer(spec *corev1.PodSpec, fn func(*corev1.Container)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		fn((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}
}

func claimsInUse(spec *corev1.PodSpec) bool {
	if spec == nil {
		return false
	}
	used := len(spec.ResourceClaims) > 0
	eachContainer(spec, func(c *corev1.Container) { used = used || len(c.Resources.Claims) > 0 })
	return used
}

func stopSignalsInUse(spec *corev1.PodSpec) bool {
	if spec == nil {
		return false
	}
	used := false
	eachContainer(spec, func(c *corev1.Container) { used = used || (c.Lifecycle != nil && c.Lifecycle.StopSignal != nil) })
	return used
}

func statusStopSignalsInUse(st *corev1.PodStatus) bool {
	if st == nil {
		return false
	}
	for _, list := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
		for _, s := range list {
			if s.StopSignal != nil {
				return true
			}
		}
	}
	return false
}

func observedGenerationInUse(st *corev1.PodStatus) bool {
	if st == nil {
		return false
	}
	if st.ObservedGeneration != 0 {
		return true
	}
	for _, c := range st.Conditions {
		if c.ObservedGeneration != 0 {
			return true
		}
	}
	return false
}
