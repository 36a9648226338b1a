package quota

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ScopesMatch reports that obj is in every scope of q (spec.scopes and
// spec.scopeSelector). Scopes apply to pods only: a scoped quota matches
// no other object.
func ScopesMatch(q *corev1.ResourceQuota, obj runtime.Object) bool {
	var exprs []corev1.ScopedResourceSelectorRequirement
	for _, s := range q.Spec.Scopes {
		exprs = append(exprs, corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists})
	}
	if q.Spec.ScopeSelector != nil {
		exprs = append(exprs, q.Spec.ScopeSelector.MatchExpressions...)
	}
	if len(exprs) == 0 {
		return true
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return false
	}
	for _, e := range exprs {
		if !podInScope(pod, e) {
			return false
		}
	}
	return true
}

func podInScope(pod *corev1.Pod, e corev1.ScopedResourceSelectorRequirement) bool {
	if e.ScopeName == corev1.ResourceQuotaScopePriorityClass {
		return priorityClassMatches(pod.Spec.PriorityClassName, e)
	}
	var in bool
	switch e.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		in = pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
	case corev1.ResourceQuotaScopeNotTerminating:
		in = pod.Spec.ActiveDeadlineSeconds == nil || *pod.Spec.ActiveDeadlineSeconds < 0
	case corev1.ResourceQuotaScopeBestEffort:
		in = BestEffort(pod)
	case corev1.ResourceQuotaScopeNotBestEffort:
		in = !BestEffort(pod)
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		in = crossNamespaceAffinity(pod)
	default:
		return false
	}
	if e.Operator == corev1.ScopeSelectorOpDoesNotExist {
		return !in
	}
	return in
}

func priorityClassMatches(class string, e corev1.ScopedResourceSelectorRequirement) bool {
	has := func() bool {
		for _, v := range e.Values {
			if v == class {
				return true
			}
		}
		return false
	}
	switch e.Operator {
	case corev1.ScopeSelectorOpIn:
		return has()
	case corev1.ScopeSelectorOpNotIn:
		return !has()
	case corev1.ScopeSelectorOpExists:
		return class != ""
	case corev1.ScopeSelectorOpDoesNotExist:
		return class == ""
	}
	return false
}

// BestEffort is the BestEffort QoS class: no container requests or limits
// cpu or memory.
func BestEffort(pod *corev1.Pod) bool {
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			for _, l := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
				for name := range l {
					if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
						return false
					}
				}
			}
		}
	}
	return true
}

func crossNamespaceAffinity(pod *corev1.Pod) bool {
	aff := pod.Spec.Affinity
	if aff == nil {
		return false
	}
	var terms []corev1.PodAffinityTerm
	if aff.PodAffinity != nil {
		terms = append(terms, aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range aff.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	if aff.PodAntiAffinity != nil {
		terms = append(terms, aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	for _, t := range terms {
		if len(t.Namespaces) > 0 || t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}
