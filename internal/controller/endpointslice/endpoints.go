package endpointslice

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/skiff-dev/skiff/internal/controller/servicepods"
)

// podIP returns the pod's IP of an address type, or "".
func podIP(pod *corev1.Pod, at discoveryv1.AddressType) string {
	if at == discoveryv1.AddressTypeIPv6 {
		return servicepods.IP(pod, corev1.IPv6Protocol)
	}
	return servicepods.IP(pod, corev1.IPv4Protocol)
}

// addressTypes are the slice address types of a Service's IP families.
func addressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	var out []discoveryv1.AddressType
	for _, f := range svc.Spec.IPFamilies {
		if f == corev1.IPv6Protocol {
			out = append(out, discoveryv1.AddressTypeIPv6)
		} else {
			out = append(out, discoveryv1.AddressTypeIPv4)
		}
	}
	if len(out) == 0 {
		out = []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4}
	}
	return out
}

// endpointFor is the endpoint of pod; zone is its node's zone label.
func endpointFor(pod *corev1.Pod, svc *corev1.Service, ip, zone string) discoveryv1.Endpoint {
	serving := servicepods.Ready(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{ip},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		n := pod.Spec.NodeName
		ep.NodeName = &n
	}
	if zone != "" {
		ep.Zone = &zone
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		h := pod.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}

// podPorts resolves the Service's ports for pod (ports a pod lacks are
// left out, as upstream), sorted.
func podPorts(pod *corev1.Pod, svc *corev1.Service) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := servicepods.TargetPort(pod, sp)
		if err != nil {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		out = append(out, discoveryv1.EndpointPort{Name: &name, Port: &n, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	sort.Slice(out, func(i, j int) bool { return portKey(out[i]) < portKey(out[j]) })
	return out
}

func portKey(p discoveryv1.EndpointPort) string {
	var name, proto, app string
	var port int32
	if p.Name != nil {
		name = *p.Name
	}
	if p.Protocol != nil {
		proto = string(*p.Protocol)
	}
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	if p.Port != nil {
		port = *p.Port
	}
	return fmt.Sprintf("%s/%d/%s/%s", name, port, proto, app)
}

// groupKey names a set of slices that share an address type and ports.
func groupKey(at discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	var b strings.Builder
	b.WriteString(string(at))
	b.WriteByte('|')
	for _, p := range ports {
		b.WriteString(portKey(p))
		b.WriteByte(',')
	}
	return b.String()
}
