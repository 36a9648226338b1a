package validation

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

const (
	labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
	labelNameMsg  = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	subdomainMsg  = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)

func expr(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

// required is a node affinity whose required selector has one term.
func required(term corev1.NodeSelectorTerm) *corev1.NodeAffinity {
	return &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{term}}}
}

// TestNodeAffinity follows upstream's validateNodeAffinity,
// ValidateNodeSelector, ValidateNodeSelectorTerm,
// ValidateNodeSelectorRequirement, ValidateNodeFieldSelectorRequirement
// and ValidatePreferredSchedulingTerms
// (pkg/apis/core/validation/validation.go, 1.33).
func TestNodeAffinity(t *testing.T) {
	const req = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
	const term = req + ".nodeSelectorTerms[0]"
	const pref = "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
	tests := []struct {
		name string
		na   *corev1.NodeAffinity
		want []string
	}{
		{"every operator and a node name", &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, "a", "b"), expr("disk", corev1.NodeSelectorOpNotIn, "hdd"),
					expr("gpu", corev1.NodeSelectorOpExists), expr("spot", corev1.NodeSelectorOpDoesNotExist),
					expr("cores", corev1.NodeSelectorOpGt, "4"), expr("example.com/mem", corev1.NodeSelectorOpLt, "64")},
				MatchFields: []corev1.NodeSelectorRequirement{expr("metadata.name", corev1.NodeSelectorOpNotIn, "node-1.example")}}}},
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{Weight: 100,
				Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, "a")}}}},
		}, nil},
		{"no terms", &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}},
			[]string{req + ".nodeSelectorTerms: Required value: must have at least one node selector term"}},
		{"In without values", required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn)}}),
			[]string{term + ".matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}},
		{"Exists with values", required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpExists, "a")}}),
			[]string{term + ".matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"}},
		{"Gt with two values", required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("cores", corev1.NodeSelectorOpGt, "1", "2")}}),
			[]string{term + ".matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"}},
		{"unknown operator, bad key", required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("a b", "Near")}}),
			[]string{term + ".matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
				term + ".matchExpressions[0].key: Invalid value: \"a b\": " + labelNameMsg}},
		{"required value not a label value", required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, "a", "b c")}}),
			[]string{term + ".matchExpressions[0].values[1]: Invalid value: \"b c\": " + labelValueMsg}},
		{"preferred value not a label value, weight 0", &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
			Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, "b c"), expr("a b", corev1.NodeSelectorOpExists)}}}}},
			[]string{pref + ".weight: Invalid value: 0: must be in the range 1-100",
				pref + ".preference.matchExpressions[1].key: Invalid value: \"a b\": " + labelNameMsg}},
		{"field other than metadata.name", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{expr("metadata.namespace", corev1.NodeSelectorOpIn, "x")}}),
			[]string{term + ".matchFields[0].key: Invalid value: \"metadata.namespace\": not a valid field selector key"}},
		{"field with Exists", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{expr("metadata.name", corev1.NodeSelectorOpExists)}}),
			[]string{term + ".matchFields[0].operator: Invalid value: \"Exists\": not a valid selector operator"}},
		{"field with two values, one no node name", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{expr("metadata.name", corev1.NodeSelectorOpIn, "a", "Node_1")}}),
			[]string{term + ".matchFields[0].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
				term + ".matchFields[0].values[1]: Invalid value: \"Node_1\": " + subdomainMsg}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pod()
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: tc.na}
			defaults.Apply(p)
			if got := errorStrings(ValidateCreate(p)); !slices.Equal(got, tc.want) {
				t.Errorf("ValidateCreate(pod with node affinity %+v) = %q; want %q", tc.na, got, tc.want)
			}
		})
	}
}

// TestNodeAffinityInTemplate: node affinity is checked in a pod template
// too, as upstream's ValidatePodTemplateSpec runs ValidatePodSpec.
func TestNodeAffinityInTemplate(t *testing.T) {
	d := deployment()
	d.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: required(corev1.NodeSelectorTerm{
		MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn)}})}
	defaults.Apply(d)
	want := []string{"spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}
	if got := errorStrings(ValidateCreate(d)); !slices.Equal(got, want) {
		t.Errorf("ValidateCreate(deployment with In and no values) = %q; want %q", got, want)
	}
}
