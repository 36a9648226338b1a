package printers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ingressPrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
		column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
		column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
		column("Ports", "string", "Ports of TLS configurations that open"),
		ageColumn(),
	}
	return typed(cols, func(in *networkingv1.Ingress, now time.Time) []interface{} {
		ports := "80"
		if len(in.Spec.TLS) != 0 {
			ports = "80, 443"
		}
		return []interface{}{
			in.Name,
			stringPtrOr(in.Spec.IngressClassName, "<none>"),
			ingressHosts(in.Spec.Rules),
			ingressAddress(in.Status.LoadBalancer.Ingress),
			ports,
			age(in.CreationTimestamp, now),
		}
	})
}

// ingressHosts lists up to three rule hosts, then "+ N more...", or "*"
// when no rule names a host.
func ingressHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, rule := range rules {
		if len(list) == max {
			more = true
		}
		if !more && rule.Host != "" {
			list = append(list, rule.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, len(rules)-max)
	}
	return ret
}

// ingressAddress is the sorted, de-duplicated IP (else hostname) of each
// load balancer ingress point, in full as the server prints the wide form.
func ingressAddress(ingress []networkingv1.IngressLoadBalancerIngress) string {
	addrs := make([]string, 0, len(ingress))
	for _, in := range ingress {
		if in.IP != "" {
			addrs = append(addrs, in.IP)
		} else if in.Hostname != "" {
			addrs = append(addrs, in.Hostname)
		}
	}
	return strings.Join(sortedUnique(addrs), ",")
}

func ingressClassPrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Controller", "string", "Controller that is responsible for handling this class"),
		column("Parameters", "string", "A reference to a resource with additional parameters"),
		ageColumn(),
	}
	return typed(cols, func(ic *networkingv1.IngressClass, now time.Time) []interface{} {
		parameters := "<none>"
		if p := ic.Spec.Parameters; p != nil {
			parameters = p.Kind
			if p.APIGroup != nil {
				parameters += "." + *p.APIGroup
			}
			parameters += "/" + p.Name
		}
		return []interface{}{ic.Name, ic.Spec.Controller, parameters, age(ic.CreationTimestamp, now)}
	})
}

func networkPolicyPrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Pod-Selector", "string", extensionsv1beta1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
		ageColumn(),
	}
	return typed(cols, func(np *networkingv1.NetworkPolicy, now time.Time) []interface{} {
		return []interface{}{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
	})
}

func endpointSlicePrinter() *Printer {
	doc := discoveryv1beta1.EndpointSlice{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("AddressType", "string", doc["addressType"]),
		column("Ports", "string", doc["ports"]),
		column("Endpoints", "string", doc["endpoints"]),
		ageColumn(),
	}
	return typed(cols, func(es *discoveryv1.EndpointSlice, now time.Time) []interface{} {
		return []interface{}{es.Name, string(es.AddressType), slicePorts(es.Ports), sliceEndpoints(es.Endpoints), age(es.CreationTimestamp, now)}
	})
}

// slicePorts lists up to three port numbers (the name when the number is
// unset, "*" when both are), then "+ N more...".
func slicePorts(ports []discoveryv1.EndpointPort) string {
	const max = 3
	var list []string
	for _, p := range ports {
		if len(list) == max {
			break
		}
		switch {
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return listWithMore(list, len(ports) > max, len(ports), max)
}

// sliceEndpoints lists up to three endpoint addresses, then "+ N more...".
func sliceEndpoints(endpoints []discoveryv1.Endpoint) string {
	const max = 3
	var list []string
	count := 0
	for _, ep := range endpoints {
		for _, a := range ep.Addresses {
			if len(list) < max {
				list = append(list, a)
			}
			count++
		}
	}
	return listWithMore(list, count > max, count, max)
}
