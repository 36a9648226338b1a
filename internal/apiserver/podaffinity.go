package apiserver

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mergeAffinityLabelKeys writes a new pod's matchLabelKeys and
// mismatchLabelKeys into the label selector of each of its pod affinity
// and anti-affinity terms, as upstream's pod strategy does on create
// (pkg/registry/core/pod/strategy.go mutatePodAffinity, feature
// MatchLabelKeysInPodAffinity, on by default since 1.31): "key in
// (value)" for a matchLabelKeys key and "key notin (value)" for a
// mismatchLabelKeys one, with the pod's value at creation. Keys the pod
// has no label for add nothing, and a term without a label selector
// (which selects no pod) is left alone. The scheduler reads the merged
// selector only, as upstream's, so a label changed after creation does
// not change what the term selects.
func mergeAffinityLabelKeys(pod *corev1.Pod) {
	a := pod.Spec.Affinity
	if a == nil {
		return
	}
	if pa := a.PodAffinity; pa != nil {
		mergeLabelKeys(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, pod.Labels)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		mergeLabelKeys(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, pod.Labels)
	}
}

// mergeLabelKeys merges the label keys of each required and preferred term.
func mergeLabelKeys(required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm, podLabels map[string]string) {
	for i := range required {
		mergeTermLabelKeys(&required[i], podLabels)
	}
	for i := range preferred {
		mergeTermLabelKeys(&preferred[i].PodAffinityTerm, podLabels)
	}
}

func mergeTermLabelKeys(term *corev1.PodAffinityTerm, podLabels map[string]string) {
	if term.LabelSelector == nil {
		return
	}
	addRequirements(term.LabelSelector, term.MatchLabelKeys, metav1.LabelSelectorOpIn, podLabels)
	addRequirements(term.LabelSelector, term.MismatchLabelKeys, metav1.LabelSelectorOpNotIn, podLabels)
}

// addRequirements appends "key op (value)" to sel for each key in keys
// the pod has a label for.
func addRequirements(sel *metav1.LabelSelector, keys []string, op metav1.LabelSelectorOperator, podLabels map[string]string) {
	for _, key := range keys {
		if value, ok := podLabels[key]; ok {
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: []string{value}})
		}
	}
}
