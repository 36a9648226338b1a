package app

import (
	"context"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// systemNamespaces exist in every cluster, as upstream.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates what upstream's API server creates at start: the
// system namespaces and the kubernetes Service with its endpoints. It is
// idempotent.
func bootstrap(ctx context.Context, cfg *rest.Config, serviceIP, advertise net.IP, port int) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: "skiff-bootstrap"}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", name, err)
		}
	}
	if err := ensureKubernetesService(ctx, cs, serviceIP, port); err != nil {
		return fmt.Errorf("kubernetes service: %w", err)
	}
	if err := ensureKubernetesEndpoints(ctx, cs, advertise, port); err != nil {
		return fmt.Errorf("kubernetes endpoints: %w", err)
	}
	return nil
}

func ensureKubernetesService(ctx context.Context, cs kubernetes.Interface, ip net.IP, port int) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			ClusterIP:       ip.String(),
			SessionAffinity: corev1.ServiceAffinityNone,
			Ports: []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443,
				TargetPort: intstr.FromInt32(int32(port))}},
		},
	}
	_, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{FieldManager: "skiff-bootstrap"})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func ensureKubernetesEndpoints(ctx context.Context, cs kubernetes.Interface, ip net.IP, port int) error {
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip.String()}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		}},
	}
	cur, err := cs.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = cs.CoreV1().Endpoints("default").Create(ctx, ep, metav1.CreateOptions{FieldManager: "skiff-bootstrap"})
	case err == nil:
		cur.Subsets = ep.Subsets
		_, err = cs.CoreV1().Endpoints("default").Update(ctx, cur, metav1.UpdateOptions{FieldManager: "skiff-bootstrap"})
	}
	if err != nil {
		return err
	}
	ready := true
	proto := corev1.ProtocolTCP
	name := "https"
	p := int32(port)
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "skiff-apiserver"}},
		AddressType: addressType(ip),
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &p, Protocol: &proto}},
	}
	curSlice, err := cs.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = cs.DiscoveryV1().EndpointSlices("default").Create(ctx, slice, metav1.CreateOptions{FieldManager: "skiff-bootstrap"})
	case err == nil:
		curSlice.Endpoints, curSlice.Ports = slice.Endpoints, slice.Ports
		_, err = cs.DiscoveryV1().EndpointSlices("default").Update(ctx, curSlice, metav1.UpdateOptions{FieldManager: "skiff-bootstrap"})
	}
	return err
}

// addressType is the EndpointSlice address type of ip.
func addressType(ip net.IP) discoveryv1.AddressType {
	if ip.To4() == nil {
		return discoveryv1.AddressTypeIPv6
	}
	return discoveryv1.AddressTypeIPv4
}
