package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// localLB makes s a LoadBalancer Service with externalTrafficPolicy Local.
func localLB(s *corev1.Service) {
	s.Spec.Type = corev1.ServiceTypeLoadBalancer
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
}

// TestServiceHealthCheckNodePort: as upstream's service allocator
// (pkg/registry/core/service/storage/alloc.go allocHealthCheckNodePort,
// updateHealthCheckNodePort, releaseAllocatedResources), a LoadBalancer
// Service with externalTrafficPolicy Local gets spec.healthCheckNodePort
// from the node port range, or reserves the one it asks for; an update
// that leaves it out keeps it; changing the policy or the type releases
// it; and a port held as a health check is never handed out again.
func TestServiceHealthCheckNodePort(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)

	auto := newService(ns, "auto")
	localLB(auto)
	got, err := sc.Create(ctx, auto, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	hc := got.Spec.HealthCheckNodePort
	if hc < 30000 || hc > 32767 || hc == got.Spec.Ports[0].NodePort {
		t.Fatalf("healthCheckNodePort %d (nodePort %d); want a port of 30000-32767 of its own", hc, got.Spec.Ports[0].NodePort)
	}
	// The port is taken: no node port and no other health check gets it.
	taken := newService(ns, "taken")
	taken.Spec.Type = corev1.ServiceTypeNodePort
	taken.Spec.Ports[0].NodePort = hc
	if _, err := sc.Create(ctx, taken, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Errorf("nodePort %d held as a health check: err %v; want 422, provided port is already allocated", hc, err)
	}
	twice := newService(ns, "twice")
	localLB(twice)
	twice.Spec.HealthCheckNodePort = hc
	if _, err := sc.Create(ctx, twice, metav1.CreateOptions{}); !apierrors.IsInternalError(err) ||
		!strings.Contains(err.Error(), "failed to allocate requested HealthCheck NodePort") {
		t.Errorf("healthCheckNodePort %d taken: err %v; want 500, failed to allocate requested HealthCheck NodePort", hc, err)
	}

	// A PUT of the manifest without it keeps it.
	manifest := newService(ns, "auto")
	localLB(manifest)
	if got, err = sc.Update(ctx, manifest, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update without healthCheckNodePort: %v", err)
	}
	if got.Spec.HealthCheckNodePort != hc {
		t.Errorf("after an update without it: healthCheckNodePort %d; want %d kept", got.Spec.HealthCheckNodePort, hc)
	}
	// Policy Cluster drops and releases it.
	got.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	if got, err = sc.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update to policy Cluster: %v", err)
	}
	if got.Spec.HealthCheckNodePort != 0 {
		t.Errorf("policy Cluster: healthCheckNodePort %d; want 0", got.Spec.HealthCheckNodePort)
	}
	if _, err := sc.Create(ctx, taken.DeepCopy(), metav1.CreateOptions{}); err != nil {
		t.Errorf("nodePort %d after policy Cluster released it: %v", hc, err)
	}

	// A requested port is reserved, and a type change releases it.
	asked := newService(ns, "asked")
	localLB(asked)
	asked.Spec.HealthCheckNodePort = 30101
	if got, err = sc.Create(ctx, asked, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with healthCheckNodePort 30101: %v", err)
	}
	if got.Spec.HealthCheckNodePort != 30101 {
		t.Errorf("healthCheckNodePort %d; want 30101", got.Spec.HealthCheckNodePort)
	}
	got.Spec.Type = corev1.ServiceTypeNodePort
	if got, err = sc.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update to NodePort: %v", err)
	}
	if got.Spec.HealthCheckNodePort != 0 {
		t.Errorf("type NodePort: healthCheckNodePort %d; want 0", got.Spec.HealthCheckNodePort)
	}
	// Back to a Local LoadBalancer: a port again, 30101 free for another.
	localLB(got)
	if got, err = sc.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update back to a Local LoadBalancer: %v", err)
	}
	if got.Spec.HealthCheckNodePort == 0 {
		t.Errorf("back to a Local LoadBalancer: no healthCheckNodePort")
	}
	reuse := newService(ns, "reuse")
	localLB(reuse)
	reuse.Spec.HealthCheckNodePort = 30101
	if _, err := sc.Create(ctx, reuse, metav1.CreateOptions{}); err != nil {
		t.Errorf("healthCheckNodePort 30101 after the type change released it: %v", err)
	}
	// Delete releases it.
	if err := sc.Delete(ctx, "reuse", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Create(ctx, reuse.DeepCopy(), metav1.CreateOptions{}); err != nil {
		t.Errorf("healthCheckNodePort 30101 after delete: %v", err)
	}
}
