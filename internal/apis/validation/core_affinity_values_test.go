package validation

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// podAffinityValue is a pod affinity whose label selector requires
// role in (value).
func podAffinityValue(value string) *corev1.PodAffinity {
	return &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "zone",
		LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{value}}}}}}}
}

// podAntiAffinityNamespaceValue is a preferred pod anti-affinity whose
// namespace selector requires team in (value).
func podAntiAffinityNamespaceValue(value string) *corev1.PodAntiAffinity {
	return &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1,
		PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "zone", NamespaceSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn, Values: []string{value}}}}}}}}
}

// TestAffinityLabelValues follows upstream's
// GetValidationOptionsFromPodSpecAndMeta (pkg/api/pod/util.go): label
// values in pod (anti-)affinity selectors and in the required node
// selector are checked on create and on an update whose old object has
// none invalid there, each kind on its own; an old object that already
// has them may still be updated.
func TestAffinityLabelValues(t *testing.T) {
	const bad = "b c"
	const podTerm = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values[0]"
	const tmplNode = "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0]"
	withPod := func(a *corev1.Affinity) runtime.Object {
		p := pod()
		p.Spec.Affinity = a
		defaults.Apply(p)
		return p
	}
	withTemplate := func(a *corev1.Affinity) runtime.Object {
		d := deployment()
		d.Spec.Template.Spec.Affinity = a
		defaults.Apply(d)
		return d
	}
	nodeValue := func(value string) *corev1.NodeAffinity {
		return required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, value)}})
	}
	relabel := func(o runtime.Object) runtime.Object {
		o = o.DeepCopyObject()
		o.(metav1.Object).SetLabels(map[string]string{"app": "web", "rev": "2"})
		return o
	}
	tests := []struct {
		name     string
		old, obj runtime.Object // old nil: a create
		want     []string
	}{
		{"pod created with one", nil, withPod(&corev1.Affinity{PodAffinity: podAffinityValue(bad)}),
			[]string{podTerm + `: Invalid value: "b c": ` + labelValueMsg}},
		{"pod that had one relabelled", withPod(&corev1.Affinity{PodAffinity: podAffinityValue(bad)}),
			relabel(withPod(&corev1.Affinity{PodAffinity: podAffinityValue(bad)})), nil},
		{"template created with one in a namespace selector", nil, withTemplate(&corev1.Affinity{PodAntiAffinity: podAntiAffinityNamespaceValue(bad)}),
			[]string{"spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.namespaceSelector.matchExpressions[0].values[0]: Invalid value: \"b c\": " + labelValueMsg}},
		{"template that had one keeps it", withTemplate(&corev1.Affinity{PodAntiAffinity: podAntiAffinityNamespaceValue(bad)}),
			relabel(withTemplate(&corev1.Affinity{PodAntiAffinity: podAntiAffinityNamespaceValue(bad)})), nil},
		{"template gains one", withTemplate(&corev1.Affinity{PodAffinity: podAffinityValue("db")}),
			withTemplate(&corev1.Affinity{PodAffinity: podAffinityValue(bad)}),
			[]string{"spec.template." + podTerm + `: Invalid value: "b c": ` + labelValueMsg}},
		{"template created with one in a required node selector", nil, withTemplate(&corev1.Affinity{NodeAffinity: nodeValue(bad)}),
			[]string{tmplNode + `: Invalid value: "b c": ` + labelValueMsg}},
		{"template that had one in a required node selector keeps it", withTemplate(&corev1.Affinity{NodeAffinity: nodeValue(bad)}),
			relabel(withTemplate(&corev1.Affinity{NodeAffinity: nodeValue(bad)})), nil},
		{"template that had one in a pod selector gains one in a node selector",
			withTemplate(&corev1.Affinity{PodAffinity: podAffinityValue(bad)}),
			withTemplate(&corev1.Affinity{PodAffinity: podAffinityValue(bad), NodeAffinity: nodeValue(bad)}),
			[]string{tmplNode + `: Invalid value: "b c": ` + labelValueMsg}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			if tc.old == nil {
				got = errorStrings(ValidateCreate(tc.obj))
			} else {
				got = errorStrings(ValidateUpdate(tc.obj, tc.old))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("validate %T (old %T) = %q; want %q", tc.obj, tc.old, got, tc.want)
			}
		})
	}
}

// TestAffinityLabelValuesCronJob: the old object's values are read from
// the template a kind holds, here a CronJob's job template, as upstream's
// cronjob strategy passes it to GetValidationOptionsFromPodTemplate.
func TestAffinityLabelValuesCronJob(t *testing.T) {
	old := cronJob("* * * * *")
	old.Spec.JobTemplate.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAffinity: podAffinityValue("b c")}
	defaults.Apply(old)
	obj := old.DeepCopy()
	obj.Spec.Schedule = "*/5 * * * *"
	if got := errorStrings(ValidateUpdate(obj, old)); got != nil {
		t.Errorf("ValidateUpdate(cronjob whose template had an invalid affinity value, new schedule) = %q; want none", got)
	}
	fresh := &appsv1.ReplicaSet{ObjectMeta: objMeta("rs"), Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template()}}
	fresh.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAffinity: podAffinityValue("b c")}
	defaults.Apply(fresh)
	want := []string{"spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values[0]: Invalid value: \"b c\": " + labelValueMsg}
	if got := errorStrings(ValidateCreate(fresh)); !slices.Equal(got, want) {
		t.Errorf("ValidateCreate(replicaset with an invalid affinity value) = %q; want %q", got, want)
	}
}
