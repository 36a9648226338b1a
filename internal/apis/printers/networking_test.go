package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var networking = networkingv1.SchemeGroupVersion

// TestIngressRow follows upstream's TestPrintIngress; the server prints the
// wide form, so addresses are not elided.
func TestIngressRow(t *testing.T) {
	rules := func(hosts ...string) []networkingv1.IngressRule {
		out := make([]networkingv1.IngressRule, len(hosts))
		for i, h := range hosts {
			out[i].Host = h
		}
		return out
	}
	ing := &networkingv1.Ingress{
		ObjectMeta: objMeta("test1"),
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("foo"),
			DefaultBackend:   &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "default-backend", Port: networkingv1.ServiceBackendPort{Name: "default-backend", Number: 80}}},
			Rules:            rules("foo.bar.com"),
		},
		Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{
			{IP: "2.3.4.5", Hostname: "localhost.localdomain"}, {Hostname: "lb.example.com"}, {IP: "1.2.3.4"},
		}}},
	}
	checkRows(t, networking.WithKind("Ingress"), []rowCase{
		{"one rule", ing, []interface{}{"test1", "foo", "foo.bar.com", "1.2.3.4,2.3.4.5,lb.example.com", "80", "3h"}},
		{"tls, no class, no hosts", &networkingv1.Ingress{ObjectMeta: objMeta("t"), Spec: networkingv1.IngressSpec{TLS: []networkingv1.IngressTLS{{}}, Rules: rules("")}},
			[]interface{}{"t", "<none>", "*", "", "80, 443", "3h"}},
		{"more than three hosts", &networkingv1.Ingress{ObjectMeta: objMeta("m"), Spec: networkingv1.IngressSpec{Rules: rules("a", "", "b", "c", "d", "e")}},
			[]interface{}{"m", "<none>", "a,b,c + 3 more...", "", "80", "3h"}},
	})
}

func TestIngressClassRow(t *testing.T) {
	checkRows(t, networking.WithKind("IngressClass"), []rowCase{
		{"with parameters", &networkingv1.IngressClass{ObjectMeta: objMeta("test1"), Spec: networkingv1.IngressClassSpec{
			Controller: "example.com/controller",
			Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("example.com"), Kind: "customgroup", Name: "example"},
		}}, []interface{}{"test1", "example.com/controller", "customgroup.example.com/example", "3h"}},
		{"core parameters", &networkingv1.IngressClass{ObjectMeta: objMeta("test2"), Spec: networkingv1.IngressClassSpec{
			Controller: "example.com/controller",
			Parameters: &networkingv1.IngressClassParametersReference{Kind: "customgroup", Name: "example"},
		}}, []interface{}{"test2", "example.com/controller", "customgroup/example", "3h"}},
		{"no parameters", &networkingv1.IngressClass{ObjectMeta: objMeta("test3"), Spec: networkingv1.IngressClassSpec{Controller: "c"}}, []interface{}{"test3", "c", "<none>", "3h"}},
	})
}

func TestNetworkPolicyRow(t *testing.T) {
	checkRows(t, networking.WithKind("NetworkPolicy"), []rowCase{
		{"selector", &networkingv1.NetworkPolicy{ObjectMeta: objMeta("np"), Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}},
			[]interface{}{"np", "app=web", "3h"}},
		{"all pods", &networkingv1.NetworkPolicy{ObjectMeta: objMeta("deny")}, []interface{}{"deny", "<none>", "3h"}},
	})
}

// TestEndpointSliceRow follows upstream's TestPrintEndpointSlice.
func TestEndpointSliceRow(t *testing.T) {
	slice := func(ports []discoveryv1.EndpointPort, addrs ...[]string) *discoveryv1.EndpointSlice {
		s := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("abcslice.123"), AddressType: discoveryv1.AddressTypeIPv4, Ports: ports}
		for _, a := range addrs {
			s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: a})
		}
		return s
	}
	port := func(p int32) discoveryv1.EndpointPort {
		return discoveryv1.EndpointPort{Port: &p, Protocol: ptr(corev1.ProtocolTCP)}
	}
	checkRows(t, discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"), []rowCase{
		{"one port, two endpoints", slice([]discoveryv1.EndpointPort{port(80)}, []string{"10.1.2.3"}, []string{"2001:db8::1234:5678"}),
			[]interface{}{"abcslice.123", "IPv4", "80", "10.1.2.3,2001:db8::1234:5678", "3h"}},
		{"named, wildcard and extra ports", slice([]discoveryv1.EndpointPort{port(80), {Name: ptr("http")}, {}, port(443)}, []string{"10.1.2.3", "10.1.2.4"}, []string{"10.1.2.5", "10.1.2.6"}),
			[]interface{}{"abcslice.123", "IPv4", "80,http,* + 1 more...", "10.1.2.3,10.1.2.4,10.1.2.5 + 1 more...", "3h"}},
		{"empty", slice(nil), []interface{}{"abcslice.123", "IPv4", "<unset>", "<unset>", "3h"}},
	})
}
