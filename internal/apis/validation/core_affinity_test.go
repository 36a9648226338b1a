package validation

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// TestPodAffinityLabelKeys follows upstream's
// validateMatchLabelKeysAndMismatchLabelKeys and validatePodAffinityTerm
// (pkg/apis/core/validation/validation.go). The selectors are given as the
// API server stores them, after the create-time merge of matchLabelKeys
// into "key in (value)" requirements (upstream's pod strategy merges
// before it validates).
func TestPodAffinityLabelKeys(t *testing.T) {
	const term = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
	in := func(key string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}
	}
	tests := []struct {
		name string
		term corev1.PodAffinityTerm
		want []string
	}{
		{"merged key once", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("app")}}}, nil},
		{"key the pod has no label for", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}, nil},
		{"merged key also in matchLabels", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"tier", "app"},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("app")}}},
			[]string{term + "[1]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"}},
		{"merged key also in an earlier expression", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"},
			LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{in("app"), in("app")}}},
			[]string{term + "[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"}},
		{"mismatch key also in the selector", corev1.PodAffinityTerm{TopologyKey: "zone", MismatchLabelKeys: []string{"app"},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"web"}}}}}, nil},
		{"key in both lists", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"}, MismatchLabelKeys: []string{"app"},
			LabelSelector: &metav1.LabelSelector{}},
			[]string{term + ".matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and mismatchLabelKeys"}},
		{"keys without a selector", corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"}, MismatchLabelKeys: []string{"tenant"}},
			[]string{term + ".matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
				term + ".mismatchLabelKeys: Forbidden: must not be specified when labelSelector is not set"}},
		{"key not a label name", corev1.PodAffinityTerm{TopologyKey: "zone", MismatchLabelKeys: []string{"a b"}, LabelSelector: &metav1.LabelSelector{}},
			[]string{term + ".mismatchLabelKeys[0]: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}},
		{"no topology key", corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{}},
			[]string{term + ".topologyKey: Required value: can not be empty",
				term + ".topologyKey: Invalid value: \"\": name part must be non-empty",
				term + ".topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}},
		{"bad namespace", corev1.PodAffinityTerm{TopologyKey: "zone", Namespaces: []string{"Bad"}},
			[]string{term + ".namespace: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pod()
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{tc.term}}}
			defaults.Apply(p)
			if got := errorStrings(ValidateCreate(p)); !slices.Equal(got, tc.want) {
				t.Errorf("ValidateCreate(pod with term %+v) = %q; want %q", tc.term, got, tc.want)
			}
		})
	}
}

// TestPodAntiAffinityWeight: a preferred term's weight is 1-100 and its
// term is checked under podAffinityTerm, as upstream's
// validateWeightedPodAffinityTerms.
func TestPodAntiAffinityWeight(t *testing.T) {
	p := pod()
	p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
		Weight: 0, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "zone", MatchLabelKeys: []string{"app"}}}}}}
	defaults.Apply(p)
	const path = "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
	want := []string{path + ".weight: Invalid value: 0: must be in the range 1-100",
		path + ".podAffinityTerm.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"}
	if got := errorStrings(ValidateCreate(p)); !slices.Equal(got, want) {
		t.Errorf("ValidateCreate(anti-affinity weight 0, keys without selector) = %q; want %q", got, want)
	}
}
