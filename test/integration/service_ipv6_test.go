package integration

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/app"
)

// TestIPv6ServiceCIDR: on a single-stack IPv6 cluster (--service-cidr
// fd00:43::/108), Services get IPv6 families and addresses, as upstream's
// allocator (pkg/registry/core/service/storage/alloc.go
// initIPFamilyFields) fills ipFamilies from the primary service CIDR's
// family rather than a static IPv4 default; the kubernetes Service takes
// the range's first address and its endpoints are IPv6 as well.
func TestIPv6ServiceCIDR(t *testing.T) {
	ctx := ctxFor(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := startServer(context.Background(), t.TempDir(), port, func(c *app.ServerConfig) {
		c.ServiceCIDR = "fd00:43::/108"
	})
	if err != nil {
		t.Fatalf("start server with an IPv6 service CIDR: %v", err)
	}
	defer func() { _ = ts.srv.Stop() }()
	cidr := netip.MustParsePrefix("fd00:43::/108")
	v6 := []corev1.IPFamily{corev1.IPv6Protocol}

	k, err := ts.cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if k.Spec.ClusterIP != "fd00:43::1" || !slices.Equal(k.Spec.IPFamilies, v6) {
		t.Errorf("kubernetes Service: clusterIP %q, ipFamilies %v; want fd00:43::1, [IPv6]", k.Spec.ClusterIP, k.Spec.IPFamilies)
	}
	slice, err := ts.cs.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slice.AddressType != discoveryv1.AddressTypeIPv6 {
		t.Errorf("kubernetes EndpointSlice addressType %s; want IPv6", slice.AddressType)
	}

	sc := ts.cs.CoreV1().Services("default")
	got, err := sc.Create(ctx, newService("default", "web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create a Service without families: %v", err)
	}
	ip, perr := netip.ParseAddr(got.Spec.ClusterIP)
	if perr != nil || !cidr.Contains(ip) || ip == netip.MustParseAddr("fd00:43::1") || !slices.Equal(got.Spec.IPFamilies, v6) ||
		!slices.Equal(got.Spec.ClusterIPs, []string{got.Spec.ClusterIP}) {
		t.Errorf("created Service: clusterIP %q, clusterIPs %v, ipFamilies %v; want one address of %v other than the first, [IPv6]",
			got.Spec.ClusterIP, got.Spec.ClusterIPs, got.Spec.IPFamilies, cidr)
	}

	// A chosen address is taken, released on delete and free again.
	fixed := newService("default", "fixed")
	fixed.Spec.ClusterIP = "fd00:43::20"
	for i := range 2 {
		if _, err := sc.Create(ctx, fixed.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create with clusterIP fd00:43::20 (round %d): %v", i, err)
		}
		if err := sc.Delete(ctx, "fixed", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	headless := newService("default", "headless")
	headless.Spec.ClusterIP, headless.Spec.Selector = corev1.ClusterIPNone, nil
	got, err = sc.Create(ctx, headless, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create headless selectorless: %v", err)
	}
	if want := []corev1.IPFamily{corev1.IPv6Protocol, corev1.IPv4Protocol}; !slices.Equal(got.Spec.IPFamilies, want) ||
		ptrString(got.Spec.IPFamilyPolicy) != string(corev1.IPFamilyPolicyRequireDualStack) {
		t.Errorf("headless selectorless: ipFamilies %v, policy %s; want %v, RequireDualStack", got.Spec.IPFamilies, ptrString(got.Spec.IPFamilyPolicy), want)
	}

	refused := []struct {
		name    string
		edit    func(*corev1.Service)
		wantErr string
	}{
		{"IPv4 cluster IP", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.0.5" },
			`spec.clusterIPs[0]: Invalid value: ["10.43.0.5"]: IPv4 is not configured on this cluster`},
		{"IPv4 family", func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol} },
			`spec.ipFamilies[0]: Invalid value: "IPv4": not configured on this cluster`},
	}
	for i, tt := range refused {
		svc := newService("default", "refused"+string(rune('a'+i)))
		tt.edit(svc)
		if _, err := sc.Create(ctx, svc, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err %v; want 422 with %q", tt.name, err, tt.wantErr)
		}
	}
}
