package app

import (
	"context"
	"fmt"
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
	_, err = svcs.Create(ctx, nodePort("outside", 30080), metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("node port 30080 outside 20000-20100: error %v; want 422 %q", err, want)
	}
}

// TestServiceDryRunAllocation: a dry run reserves nothing and shows what
// upstream's dry-run allocators show: the range's network address for a
// cluster IP left out, dummy node ports from 32769, a requested node port
// refused only when taken (upstream checks no range then), a requested
// cluster IP checked against the range only.
func TestServiceDryRunAllocation(t *testing.T) {
	ctx := context.Background()
	_, cs := startAt(t, t.TempDir(), ServerConfig{DisableAgent: true, ServiceNodePortRange: "20000-20100"})
	svcs := cs.CoreV1().Services("default")
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	svc := func(name, clusterIP string, ports ...int32) *corev1.Service {
		s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeNodePort, ClusterIP: clusterIP, Selector: map[string]string{"app": name}}}
		for i, p := range ports {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: fmt.Sprint("p", i), Port: int32(80 + i), NodePort: p})
		}
		return s
	}
	if _, err := svcs.Create(ctx, svc("real", "", 20050), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	got, err := svcs.Create(ctx, svc("dry", "", 0, 0), dryRun)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got.Spec.ClusterIP != "10.43.0.0" || got.Spec.Ports[0].NodePort != 32769 || got.Spec.Ports[1].NodePort != 32770 {
		t.Errorf("dry run shows cluster IP %s, node ports %d and %d; want 10.43.0.0, 32769 and 32770",
			got.Spec.ClusterIP, got.Spec.Ports[0].NodePort, got.Spec.Ports[1].NodePort)
	}
	if _, err := svcs.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after a dry run: %v; want 404", err)
	}
	if got, err := svcs.Create(ctx, svc("outside", "", 30080), dryRun); err != nil || got.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("dry run of node port 30080 outside the range: %v, %v; want it shown as asked, as upstream", got, err)
	}
	if _, err := svcs.Create(ctx, svc("taken", "", 20050), dryRun); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Errorf("dry run of a taken node port: %v; want 422 already allocated", err)
	}
	if _, err := svcs.Create(ctx, svc("badip", "10.99.0.5", 0), dryRun); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "not in the valid range") {
		t.Errorf("dry run of a cluster IP outside the range: %v; want 422 not in the valid range", err)
	}
	if got, err := svcs.Create(ctx, svc("later", "", 0), metav1.CreateOptions{}); err != nil || got.Spec.Ports[0].NodePort == 32769 {
		t.Errorf("a real create after the dry runs: %v, %v; want a node port of the range", got, err)
	}
}
