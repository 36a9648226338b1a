package integration

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNamespaceFinalizersOnlyThroughFinalize: as upstream's namespace
// strategies (pkg/registry/core/namespace/strategy.go), an update of the
// namespace keeps spec.finalizers and status, a status update keeps the
// spec, and only namespaces/finalize changes spec.finalizers, keeping the
// status.
func TestNamespaceFinalizersOnlyThroughFinalize(t *testing.T) {
	ctx := ctxFor(t)
	nsc := shared.cs.CoreV1().Namespaces()
	name := newNamespace(t)
	kubernetesOnly := []corev1.FinalizerName{corev1.FinalizerKubernetes}
	extra := corev1.FinalizerName("example.com/cleanup")

	ns, err := nsc.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, extra)
	ns.Labels["team"] = "a"
	ns, err = nsc.Update(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update namespace: %v", err)
	}
	if !slices.Equal(ns.Spec.Finalizers, kubernetesOnly) || ns.Labels["team"] != "a" {
		t.Errorf("update adding finalizer %s: finalizers %v, label team %q; want %v and \"a\"", extra, ns.Spec.Finalizers, ns.Labels["team"], kubernetesOnly)
	}

	ns.Spec.Finalizers = append(ns.Spec.Finalizers, extra)
	ns.Status.Conditions = []corev1.NamespaceCondition{{Type: corev1.NamespaceDeletionDiscoveryFailure,
		Status: corev1.ConditionFalse, Reason: "ResourcesDiscovered", LastTransitionTime: metav1.Now()}}
	ns, err = nsc.UpdateStatus(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update namespace status: %v", err)
	}
	if !slices.Equal(ns.Spec.Finalizers, kubernetesOnly) || len(ns.Status.Conditions) != 1 {
		t.Errorf("status update adding finalizer %s and a condition: finalizers %v, conditions %v; want %v and the condition",
			extra, ns.Spec.Finalizers, ns.Status.Conditions, kubernetesOnly)
	}

	ns.Spec.Finalizers = append(ns.Spec.Finalizers, extra)
	ns.Status.Conditions = nil
	ns, err = nsc.Finalize(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("finalize namespace: %v", err)
	}
	want := []corev1.FinalizerName{corev1.FinalizerKubernetes, extra}
	if !slices.Equal(ns.Spec.Finalizers, want) || len(ns.Status.Conditions) != 1 {
		t.Errorf("finalize adding %s and dropping the condition: finalizers %v, conditions %v; want %v and the condition kept",
			extra, ns.Spec.Finalizers, ns.Status.Conditions, want)
	}

	ns.Spec.Finalizers = kubernetesOnly
	ns, err = nsc.Update(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update namespace: %v", err)
	}
	if !slices.Equal(ns.Spec.Finalizers, want) {
		t.Errorf("update dropping finalizer %s: finalizers %v; want %v", extra, ns.Spec.Finalizers, want)
	}
}

// TestNamespaceKubernetesFinalizerOnCreateOnly: upstream's strategy adds
// the "kubernetes" finalizer when a namespace is created, not as a default
// of every write, so namespaces/finalize may remove it from a live
// namespace and later writes do not bring it back.
func TestNamespaceKubernetesFinalizerOnCreateOnly(t *testing.T) {
	ctx := ctxFor(t)
	nsc := shared.cs.CoreV1().Namespaces()
	extra := corev1.FinalizerName("example.com/cleanup")
	name := uniqueName("it-kubernetes-finalizer")
	ns, err := nsc.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{extra}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { _ = nsc.Delete(ctx, name, metav1.DeleteOptions{}) })
	if want := []corev1.FinalizerName{extra, corev1.FinalizerKubernetes}; !slices.Equal(ns.Spec.Finalizers, want) {
		t.Errorf("created with %s: finalizers %v; want %v", extra, ns.Spec.Finalizers, want)
	}

	ns.Spec.Finalizers = nil
	if ns, err = nsc.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finalize namespace: %v", err)
	}
	if len(ns.Spec.Finalizers) != 0 {
		t.Errorf("finalize removing every finalizer of a live namespace: finalizers %v; want none", ns.Spec.Finalizers)
	}
	ns.Labels["team"] = "a"
	if ns, err = nsc.Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update namespace: %v", err)
	}
	if len(ns.Spec.Finalizers) != 0 {
		t.Errorf("update after the finalizers were removed: finalizers %v; want none", ns.Spec.Finalizers)
	}
}

// TestNamespaceFinalizeWritesAllButStatus: upstream's finalize strategy
// keeps only the stored status, so a finalize call may change labels and
// annotations along with spec.finalizers.
func TestNamespaceFinalizeWritesAllButStatus(t *testing.T) {
	ctx := ctxFor(t)
	nsc := shared.cs.CoreV1().Namespaces()
	name := newNamespace(t)
	ns, err := nsc.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels["team"] = "b"
	ns.Annotations = map[string]string{"note": "finalized"}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, "example.com/cleanup")
	ns.Status.Phase = corev1.NamespaceTerminating
	got, err := nsc.Finalize(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("finalize namespace: %v", err)
	}
	if got.Labels["team"] != "b" || got.Annotations["note"] != "finalized" || len(got.Spec.Finalizers) != 2 {
		t.Errorf("finalize: label team %q, annotation note %q, finalizers %v; want b, finalized and two finalizers",
			got.Labels["team"], got.Annotations["note"], got.Spec.Finalizers)
	}
	if got.Status.Phase != corev1.NamespaceActive {
		t.Errorf("finalize: phase %s; want the stored Active", got.Status.Phase)
	}
}
