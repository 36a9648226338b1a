package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServiceIPFieldValidation: the rules of upstream's
// ValidateServiceClusterIPsRelatedFields, validateServiceExternalTrafficPolicy
// and ValidateServiceUpdate (pkg/apis/core/validation/validation.go) are
// 422s with upstream's paths and messages.
func TestServiceIPFieldValidation(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)
	v4, v6 := corev1.IPv4Protocol, corev1.IPv6Protocol
	single := corev1.IPFamilyPolicySingleStack
	creates := []struct {
		name    string
		edit    func(*corev1.Service)
		wantErr string
	}{
		{"clusterIPs without clusterIP", func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.43.7.1"} },
			"spec.clusterIPs: Invalid value: [\"10.43.7.1\"]: must be empty when `clusterIP` is not specified"},
		{"clusterIPs not led by clusterIP", func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.7.1", []string{"10.43.7.2"}
		}, "spec.clusterIPs: Invalid value: [\"10.43.7.2\"]: first value must match `clusterIP`"},
		{"duplicate family", func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{v4, v4} },
			`spec.ipFamilies[1]: Duplicate value: "IPv4"`},
		{"unknown family", func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{"IPv5"} },
			`spec.ipFamilies[0]: Unsupported value: "IPv5"`},
		{"IP of the other family", func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.IPFamilies = "10.43.7.1", []string{"10.43.7.1"}, []corev1.IPFamily{v6}
		}, "spec.clusterIPs[0]: Invalid value: \"10.43.7.1\": expected an IPv6 value as indicated by `ipFamilies[0]`"},
		{"two IPv4 cluster IPs", func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.7.1", []string{"10.43.7.1", "10.43.7.2"}
		}, "may specify no more than one IP for each IP family"},
		{"three cluster IPs", func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.7.1", []string{"10.43.7.1", "fd00::1", "10.43.7.2"}
		}, "may only hold up to 2 values"},
		{"ExternalName with families", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.IPFamilies = corev1.ServiceTypeExternalName, "example.com", []corev1.IPFamily{v4}
		}, "spec.ipFamilies: Forbidden: may not be set for ExternalName services"},
		{"healthCheckNodePort out of range", func(s *corev1.Service) {
			localLB(s)
			s.Spec.HealthCheckNodePort = 70000
		}, "spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
	}
	for i, tt := range creates {
		svc := newService(ns, "create"+string(rune('a'+i)))
		tt.edit(svc)
		if _, err := sc.Create(ctx, svc, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("create, %s: err %v; want 422 with %q", tt.name, err, tt.wantErr)
		}
	}

	lb := newService(ns, "lb")
	localLB(lb)
	lb, err := sc.Create(ctx, lb, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	updates := []struct {
		name    string
		edit    func(*corev1.Service)
		wantErr string
	}{
		{"primary cluster IP changed", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.7.9", []string{"10.43.7.9"} },
			"spec.clusterIPs[0]: Invalid value: [\"10.43.7.9\"]: may not change once set"},
		{"primary family changed", func(s *corev1.Service) {
			s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = &single, []corev1.IPFamily{v6}
		}, "spec.ipFamilies[0]: Invalid value: [\"IPv6\"]: may not change once set"},
		{"healthCheckNodePort changed", func(s *corev1.Service) { s.Spec.HealthCheckNodePort++ },
			"spec.healthCheckNodePort: Forbidden: field is immutable"},
	}
	for _, tt := range updates {
		svc := lb.DeepCopy()
		tt.edit(svc)
		if _, err := sc.Update(ctx, svc, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("update, %s: err %v; want 422 with %q", tt.name, err, tt.wantErr)
		}
	}
}
