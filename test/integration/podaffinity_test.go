package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPodAffinityLabelKeysMerged: as upstream's pod strategy
// (pkg/registry/core/pod/strategy.go mutatePodAffinity), a created pod's
// affinity and anti-affinity terms carry their matchLabelKeys as "key in
// (the pod's value)" and mismatchLabelKeys as "key notin (value)" in the
// stored label selector; keys the pod has no label for add nothing, and
// the key lists themselves are kept.
func TestPodAffinityLabelKeysMerged(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pod := newPod(ns, "keys")
	pod.Labels = map[string]string{"app": "web", "tenant": "t1"}
	pod.Spec.Affinity = &corev1.Affinity{
		PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "cache"}}, TopologyKey: "topology.kubernetes.io/zone",
			MatchLabelKeys: []string{"app", "track"}}}},
		PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 10,
			PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{}, TopologyKey: "kubernetes.io/hostname",
				MismatchLabelKeys: []string{"tenant"}}}}},
	}
	got, err := shared.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod with matchLabelKeys and mismatchLabelKeys: %v", err)
	}
	affinity := got.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0]
	wantAffinity := &metav1.LabelSelector{MatchLabels: map[string]string{"role": "cache"}, MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}}}
	if !apiequality.Semantic.DeepEqual(affinity.LabelSelector, wantAffinity) || len(affinity.MatchLabelKeys) != 2 {
		t.Errorf("podAffinity term: labelSelector %v, matchLabelKeys %v; want %v and [app track] kept", affinity.LabelSelector, affinity.MatchLabelKeys, wantAffinity)
	}
	anti := got.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
	wantAnti := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "tenant", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"t1"}}}}
	if !apiequality.Semantic.DeepEqual(anti.LabelSelector, wantAnti) {
		t.Errorf("podAntiAffinity term: labelSelector %v; want %v", anti.LabelSelector, wantAnti)
	}
}

// TestPodAffinityLabelKeysValidated: as upstream, the pod strategy merges
// matchLabelKeys before validation (validateMatchLabelKeysAndMismatchLabelKeys
// in pkg/apis/core/validation/validation.go), so a key merged once is
// valid on create and on a later update of the stored pod, while a key
// the client also put in the label selector is rejected.
func TestPodAffinityLabelKeysValidated(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pods := shared.cs.CoreV1().Pods(ns)
	withTerm := func(name string, sel *metav1.LabelSelector) *corev1.Pod {
		pod := newPod(ns, name)
		pod.Labels = map[string]string{"app": "web"}
		pod.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: sel, TopologyKey: "topology.kubernetes.io/zone", MatchLabelKeys: []string{"app"}}}}}
		return pod
	}

	got, err := pods.Create(ctx, withTerm("merged", &metav1.LabelSelector{MatchLabels: map[string]string{"role": "cache"}}), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod with matchLabelKeys [app]: %v", err)
	}
	got.Labels["app"] = "web-2"
	if _, err := pods.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Errorf("update labels of a pod whose selector holds the merged app requirement: %v", err)
	}

	_, err = pods.Create(ctx, withTerm("twice", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}), metav1.CreateOptions{})
	const want = `spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0][0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("create pod with app in matchLabels and matchLabelKeys: %v; want Invalid with %q", err, want)
	}
}
