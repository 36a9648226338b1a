package integration

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServiceUpdateIPFamilyFields: as upstream's service REST storage
// (pkg/registry/core/service/storage: patchAllocatedValues,
// normalizeClusterIPs and alloc.go's initIPFamilyFields, run on every
// update), a PUT of a hand-written manifest, one that leaves out
// clusterIP(s), ipFamilyPolicy and ipFamilies as `kubectl replace` sends
// it, keeps what the Service had, on this single-stack IPv4 cluster; a
// policy or families the client does set are checked against the
// cluster's one family.
func TestServiceUpdateIPFamilyFields(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)
	single := corev1.IPFamilyPolicySingleStack
	prefer := corev1.IPFamilyPolicyPreferDualStack
	require := corev1.IPFamilyPolicyRequireDualStack
	v4 := []corev1.IPFamily{corev1.IPv4Protocol}
	dual := []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
	headless := func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Selector = corev1.ClusterIPNone, nil }
	tests := []struct {
		name string
		// create and update edit a fresh newService manifest.
		create, update func(*corev1.Service)
		wantPolicy     corev1.IPFamilyPolicy
		wantFamilies   []corev1.IPFamily
		// wantHeadless asks for clusterIPs [None], else the created IP.
		wantHeadless bool
		// wantErr is the message of a 422, "" for success.
		wantErr string
	}{
		{name: "PreferDualStack kept when left out",
			create: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = &prefer },
			update: func(*corev1.Service) {}, wantPolicy: prefer, wantFamilies: v4},
		{name: "headless selectorless stays headless and RequireDualStack",
			create: headless, update: func(s *corev1.Service) { s.Spec.Selector = nil },
			wantPolicy: require, wantFamilies: dual, wantHeadless: true},
		{name: "upgrade SingleStack to PreferDualStack",
			create: func(*corev1.Service) {}, update: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = &prefer },
			wantPolicy: prefer, wantFamilies: v4},
		{name: "downgrade PreferDualStack to SingleStack",
			create: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = &prefer },
			update: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = &single }, wantPolicy: single, wantFamilies: v4},
		{name: "SingleStack releases the headless service's second family",
			create: headless, update: func(s *corev1.Service) {
				headless(s)
				s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = &single, dual
			}, wantPolicy: single, wantFamilies: v4, wantHeadless: true},
		{name: "RequireDualStack refused",
			create: func(*corev1.Service) {}, update: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = &require },
			wantErr: "this cluster is not configured for dual-stack services"},
		{name: "second family refused",
			create: func(*corev1.Service) {}, update: func(s *corev1.Service) {
				s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = &prefer, dual
			}, wantErr: "spec.ipFamilies[1]: Invalid value: \"IPv6\": not configured on this cluster"},
		{name: "SingleStack with two families refused",
			create: func(*corev1.Service) {}, update: func(s *corev1.Service) {
				s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = &single, dual
			}, wantErr: "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "svc" + string(rune('a'+i))
			svc := newService(ns, name)
			tt.create(svc)
			created, err := sc.Create(ctx, svc, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			manifest := newService(ns, name)
			tt.update(manifest)
			got, err := sc.Update(ctx, manifest, metav1.UpdateOptions{})
			if tt.wantErr != "" {
				if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("update: err %v; want 422 with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			wantIPs := created.Spec.ClusterIPs
			if tt.wantHeadless {
				wantIPs = []string{corev1.ClusterIPNone}
			}
			spec := got.Spec
			if spec.IPFamilyPolicy == nil || *spec.IPFamilyPolicy != tt.wantPolicy || !slices.Equal(spec.IPFamilies, tt.wantFamilies) ||
				spec.ClusterIP != wantIPs[0] || !slices.Equal(spec.ClusterIPs, wantIPs) {
				t.Errorf("after update: ipFamilyPolicy %v, ipFamilies %v, clusterIP %q, clusterIPs %v; want %s, %v, %q, %v",
					ptrString(spec.IPFamilyPolicy), spec.IPFamilies, spec.ClusterIP, spec.ClusterIPs, tt.wantPolicy, tt.wantFamilies, wantIPs[0], wantIPs)
			}
		})
	}
	// The checks hold on create too.
	svc := newService(ns, "require")
	svc.Spec.IPFamilyPolicy = &require
	if _, err := sc.Create(ctx, svc, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "not configured for dual-stack") {
		t.Errorf("create RequireDualStack: err %v; want 422, not configured for dual-stack", err)
	}
	svc = newService(ns, "v6")
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "fd00::10", []string{"fd00::10"}
	if _, err := sc.Create(ctx, svc, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "IPv6 is not configured on this cluster") {
		t.Errorf("create with clusterIP fd00::10: err %v; want 422, IPv6 is not configured on this cluster", err)
	}
}

// ptrString prints a string-typed pointer, or "nil".
func ptrString[T ~string](p *T) string {
	if p == nil {
		return "nil"
	}
	return string(*p)
}
