package integration

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// warningClient returns a clientset whose Warning headers rec records.
func warningClient() (*kubernetes.Clientset, *warningRecorder) {
	rec := &warningRecorder{}
	cfg := *shared.cfg
	cfg.WarningHandler = rec
	return kubernetes.NewForConfigOrDie(&cfg), rec
}

// take returns the warnings recorded so far and forgets them.
func (r *warningRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

// TestPodCreateWarnings: as upstream's pod strategy WarningsOnCreate
// (pkg/registry/core/pod/strategy.go, pkg/api/pod/warnings.go), creating
// a pod whose name is not a DNS label, that selects nodes by a deprecated
// label and sets a negative grace period succeeds with a warning for each.
func TestPodCreateWarnings(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cs, rec := warningClient()
	pod := newPod(ns, "web.v1")
	pod.Spec.NodeSelector = map[string]string{"beta.kubernetes.io/os": "linux"}
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](-5)
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	want := []string{
		`metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]`,
		`spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead`,
		`spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1`,
	}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Errorf("create pod warnings = %q; want %q", got, want)
	}
}

// TestDeploymentWarnings: as upstream's deployment strategy, a create
// warns about the name and the pod template; an update warns about the
// template again only when it bumps the generation.
func TestDeploymentWarnings(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cs, rec := warningClient()
	d := newDeployment(ns, "api.v2")
	d.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "failure-domain.beta.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
	got, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	template := `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead`
	want := []string{`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]`, template}
	if w := rec.take(); !slices.Equal(w, want) {
		t.Errorf("create deployment warnings = %q; want %q", w, want)
	}

	got.Labels = map[string]string{"tier": "backend"}
	if got, err = cs.AppsV1().Deployments(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update deployment labels: %v", err)
	}
	if w := rec.take(); len(w) != 0 {
		t.Errorf("update of labels only: warnings %q; want none (generation unchanged)", w)
	}
	got.Spec.Replicas = ptr.To[int32](3)
	if _, err = cs.AppsV1().Deployments(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update deployment replicas: %v", err)
	}
	if w := rec.take(); !slices.Equal(w, []string{template}) {
		t.Errorf("update of replicas: warnings %q; want [%q]", w, template)
	}
}

// TestIngressClassAnnotationWarning: as upstream's ingress strategy, an
// Ingress created with the kubernetes.io/ingress.class annotation and no
// spec.ingressClassName is warned about the annotation.
func TestIngressClassAnnotationWarning(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cs, rec := warningClient()
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{"kubernetes.io/ingress.class": "nginx"}},
		Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}
	if _, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ingress: %v", err)
	}
	want := []string{`annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Errorf("create ingress warnings = %q; want %q", got, want)
	}
}

// TestTLSSecretWarning: as upstream's secret strategy, a kubernetes.io/tls
// Secret whose certificate and key do not form a pair is stored with
// crypto/tls's complaint as a warning, on create and on update.
func TestTLSSecretWarning(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cs, rec := warningClient()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: []byte("not a cert"), corev1.TLSPrivateKeyKey: []byte("not a key")}}
	got, err := cs.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create secret: %v", err)
	}
	want := []string{"tls: failed to find any PEM data in certificate input"}
	if w := rec.take(); !slices.Equal(w, want) {
		t.Errorf("create secret warnings = %q; want %q", w, want)
	}
	got.Labels = map[string]string{"a": "b"}
	if _, err := cs.CoreV1().Secrets(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update secret: %v", err)
	}
	if w := rec.take(); !slices.Equal(w, want) {
		t.Errorf("update secret warnings = %q; want %q", w, want)
	}
}
