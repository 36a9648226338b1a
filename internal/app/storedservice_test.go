package app

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// TestStatusOfServiceStoredBeforeARule: a Service stored with an IP family
// policy the server now rejects (RequireDualStack on a single-stack
// cluster) still takes status writes, as upstream's status storage runs no
// allocation step; a write of its spec gets the rule's 422.
func TestStatusOfServiceStoredBeforeARule(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, cs := startAt(t, dir, ServerConfig{DisableAgent: true})
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb", Namespace: "default"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "lb"},
		Ports: []corev1.ServicePort{{Port: 80}},
	}}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	storeRequireDualStack(t, dir, "/registry/services/default/lb")

	_, cs = startAt(t, dir, ServerConfig{DisableAgent: true})
	got, err := cs.CoreV1().Services("default").Get(ctx, "lb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Spec.IPFamilyPolicy; p == nil || *p != corev1.IPFamilyPolicyRequireDualStack {
		t.Fatalf("stored ipFamilyPolicy %v; want the rewritten RequireDualStack", p)
	}
	got.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "127.0.0.9"}}
	if _, err := cs.CoreV1().Services("default").UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Errorf("status update of a Service stored before the rule: %v", err)
	}
	_, err = cs.CoreV1().Services("default").Patch(ctx, "lb", types.MergePatchType, []byte(`{"spec":{"ports":[{"port":81}]}}`), metav1.PatchOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("spec patch of a RequireDualStack Service on a single-stack cluster: error %v; want 422", err)
	}
}

// storeRequireDualStack rewrites the stored Service at key with
// ipFamilyPolicy RequireDualStack.
func storeRequireDualStack(t *testing.T, dataDir, key string) {
	t.Helper()
	rewriteStored(t, dataDir, key, func(obj runtime.Object) {
		policy := corev1.IPFamilyPolicyRequireDualStack
		obj.(*corev1.Service).Spec.IPFamilyPolicy = &policy
	})
}
