package allocator

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestReleaseOnlyOnceReplaced: an update that drops a Service's node port
// leaves the port allocated until the new Service is stored
// (ReleaseUnused). Were it freed by Allocate, a write that then failed
// would leave the stored Service holding a port another Service could be
// given.
func TestReleaseOnlyOnceReplaced(t *testing.T) {
	ctx := context.Background()
	s := &Services{IPs: newIPs(t, "/test-release-ips/", "10.43.0.0/24"), Ports: newPorts(t, "/test-release-ports/", PortRange{30000, 30099})}
	old := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
	}}
	if _, err := s.Allocate(ctx, old, nil, false); err != nil {
		t.Fatalf("Allocate(new NodePort Service) = %v", err)
	}
	port := int(old.Spec.Ports[0].NodePort)
	if port == 0 {
		t.Fatal("no node port allocated")
	}

	updated := old.DeepCopy()
	updated.Spec.Type = corev1.ServiceTypeClusterIP
	updated.Spec.Ports[0].NodePort = 0
	if _, err := s.Allocate(ctx, updated, old, false); err != nil {
		t.Fatalf("Allocate(update to ClusterIP) = %v", err)
	}
	if err := s.Ports.Allocate(ctx, port, "default/other"); !errors.Is(err, ErrAllocated) {
		t.Fatalf("node port %d of the Service still stored: Allocate = %v; want ErrAllocated", port, err)
	}

	s.ReleaseUnused(ctx, updated, old)
	if err := s.Ports.Allocate(ctx, port, "default/other"); err != nil {
		t.Errorf("node port %d after the update was stored: Allocate = %v; want it free", port, err)
	}
}
