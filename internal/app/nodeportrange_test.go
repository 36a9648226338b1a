package app

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServiceNodePortRange: a requested node port is judged against the
// server's --service-node-port-range, not upstream's default range, both
// when it is allocated and in a dry run.
func TestServiceNodePortRange(t *testing.T) {
	ctx := context.Background()
	_, cs := startAt(t, t.TempDir(), ServerConfig{DisableAgent: true, ServiceNodePortRange: "20000-20100"})
	svcs := cs.CoreV1().Services("default")
	nodePort := func(name string, port int32) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Port: 80, NodePort: port}},
		}}
	}
	got, err := svcs.Create(ctx, nodePort("inside", 20050), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("node port 20050 in the range 20000-20100: %v", err)
	}
	if p := got.Spec.Ports[0].NodePort; p != 20050 {
		t.Errorf("node port %d; want 20050", p)
	}
	auto, err := svcs.Create(ctx, nodePort("auto", 0), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("allocated node port: %v", err)
	}
	if p := auto.Spec.Ports[0].NodePort; p < 20000 || p > 20100 {
		t.Errorf("allocated node port %d; want one in 20000-20100", p)
	}
	const want = "provided port is not in the valid range. The range of valid ports is 20000-20100"
	for _, dryRun := range [][]string{nil, {metav1.DryRunAll}} {
		_, err := svcs.Create(ctx, nodePort("outside", 30080), metav1.CreateOptions{DryRun: dryRun})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("node port 30080 outside 20000-20100 (dry run %v): error %v; want 422 %q", dryRun, err, want)
		}
	}
}
