package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestMergeAffinityLabelKeys follows upstream's
// pkg/registry/core/pod/strategy_test.go Test_mutatePodAffinity.
func TestMergeAffinityLabelKeys(t *testing.T) {
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	country := req("country", metav1.LabelSelectorOpIn, "Japan")
	tests := []struct {
		name   string
		labels map[string]string
		term   corev1.PodAffinityTerm
		// want is the term's label selector after the merge.
		want *metav1.LabelSelector
	}{
		{name: "matchLabelKeys and mismatchLabelKeys merged after the selector's own",
			labels: map[string]string{"region": "asia", "tenant": "t1"},
			term: corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{country}},
				MatchLabelKeys: []string{"region"}, MismatchLabelKeys: []string{"tenant"}},
			want: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{country,
				req("region", metav1.LabelSelectorOpIn, "asia"), req("tenant", metav1.LabelSelectorOpNotIn, "t1")}}},
		{name: "keys the pod has no label for add nothing",
			labels: map[string]string{"region": "asia"},
			term: corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				MatchLabelKeys: []string{"zone", "region"}, MismatchLabelKeys: []string{"tenant"}},
			want: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"},
				MatchExpressions: []metav1.LabelSelectorRequirement{req("region", metav1.LabelSelectorOpIn, "asia")}}},
		{name: "an empty selector takes the keys",
			labels: map[string]string{"region": "asia"},
			term:   corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{}, MatchLabelKeys: []string{"region"}},
			want:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("region", metav1.LabelSelectorOpIn, "asia")}}},
		{name: "a nil selector, which selects nothing, stays nil",
			labels: map[string]string{"region": "asia"},
			term:   corev1.PodAffinityTerm{MatchLabelKeys: []string{"region"}},
			want:   nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The same term in all four places a pod can hold one.
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: tt.labels}, Spec: corev1.PodSpec{Affinity: &corev1.Affinity{
				PodAffinity: &corev1.PodAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution:  []corev1.PodAffinityTerm{*tt.term.DeepCopy()},
					PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: *tt.term.DeepCopy()}},
				},
				PodAntiAffinity: &corev1.PodAntiAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution:  []corev1.PodAffinityTerm{*tt.term.DeepCopy()},
					PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: *tt.term.DeepCopy()}},
				},
			}}}
			mergeAffinityLabelKeys(pod)
			a := pod.Spec.Affinity
			got := map[string]*metav1.LabelSelector{
				"podAffinity required":      a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector,
				"podAffinity preferred":     a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm.LabelSelector,
				"podAntiAffinity required":  a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector,
				"podAntiAffinity preferred": a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm.LabelSelector,
			}
			for where, sel := range got {
				if !apiequality.Semantic.DeepEqual(sel, tt.want) {
					t.Errorf("%s: labelSelector %v; want %v", where, sel, tt.want)
				}
			}
		})
	}
	// A pod without affinity is left alone.
	mergeAffinityLabelKeys(&corev1.Pod{})
}
