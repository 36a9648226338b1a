package validation

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	policyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress, networkingv1.PolicyTypeIngress}
	pathTypes   = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}
)

func validateNetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	errs := objectMeta(&np.ObjectMeta, true, dnsSubdomain)
	errs = append(errs, labelSelector(&np.Spec.PodSelector, specPath.Child("podSelector"))...)
	for i, r := range np.Spec.Ingress {
		p := specPath.Child("ingress").Index(i)
		errs = append(errs, netPolPorts(r.Ports, p.Child("ports"))...)
		errs = append(errs, netPolPeers(r.From, p.Child("from"))...)
	}
	for i, r := range np.Spec.Egress {
		p := specPath.Child("egress").Index(i)
		errs = append(errs, netPolPorts(r.Ports, p.Child("ports"))...)
		errs = append(errs, netPolPeers(r.To, p.Child("to"))...)
	}
	if len(np.Spec.PolicyTypes) > len(policyTypes) {
		errs = append(errs, field.Invalid(specPath.Child("policyTypes"), np.Spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range np.Spec.PolicyTypes {
		errs = append(errs, enumRequired(t, policyTypes, specPath.Child("policyTypes").Index(i))...)
	}
	return errs
}

// netPolPorts checks protocols, ports and endPort ranges.
func netPolPorts(ports []networkingv1.NetworkPolicyPort, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, p := range ports {
		idx := fldPath.Index(i)
		if p.Protocol != nil {
			errs = append(errs, enumRequired(*p.Protocol, portProtocols, idx.Child("protocol"))...)
		}
		if p.Port != nil {
			errs = append(errs, portNumOrName(*p.Port, idx.Child("port"))...)
		}
		if p.EndPort != nil {
			if p.Port == nil || p.Port.Type != intstr.Int {
				errs = append(errs, field.Required(idx.Child("port"), "must be specified when endPort is specified"))
			} else if *p.EndPort < p.Port.IntVal {
				errs = append(errs, field.Invalid(idx.Child("endPort"), *p.EndPort, "must be greater than or equal to `port`"))
			}
		}
	}
	return errs
}

// netPolPeers requires exactly a selector combination or an ipBlock.
func netPolPeers(peers []networkingv1.NetworkPolicyPeer, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, p := range peers {
		idx := fldPath.Index(i)
		n := 0
		if p.PodSelector != nil {
			n++
			errs = append(errs, labelSelector(p.PodSelector, idx.Child("podSelector"))...)
		}
		if p.NamespaceSelector != nil {
			n++
			errs = append(errs, labelSelector(p.NamespaceSelector, idx.Child("namespaceSelector"))...)
		}
		if p.IPBlock != nil {
			if n > 0 {
				errs = append(errs, field.Forbidden(idx, "may not specify both ipBlock and another peer"))
			}
			n++
			errs = append(errs, utilvalidation.IsValidCIDR(idx.Child("ipBlock", "cidr"), p.IPBlock.CIDR)...)
			for j, ex := range p.IPBlock.Except {
				errs = append(errs, utilvalidation.IsValidCIDR(idx.Child("ipBlock", "except").Index(j), ex)...)
			}
		}
		if n == 0 {
			errs = append(errs, field.Required(idx, "must specify a peer"))
		}
	}
	return errs
}

func validateIngress(ing *networkingv1.Ingress) field.ErrorList {
	errs := objectMeta(&ing.ObjectMeta, true, dnsSubdomain)
	s := &ing.Spec
	if s.DefaultBackend == nil && len(s.Rules) == 0 {
		errs = append(errs, field.Invalid(specPath, s.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if s.DefaultBackend != nil {
		errs = append(errs, ingressBackend(s.DefaultBackend, specPath.Child("defaultBackend"))...)
	}
	if s.IngressClassName != nil {
		errs = append(errs, optionalName(*s.IngressClassName, dnsSubdomain, specPath.Child("ingressClassName"))...)
	}
	for i, r := range s.Rules {
		p := specPath.Child("rules").Index(i)
		if r.Host != "" {
			host := strings.TrimPrefix(r.Host, "*.")
			errs = append(errs, invalidMsgs(p.Child("host"), r.Host, utilvalidation.IsDNS1123Subdomain(host))...)
		}
		if r.HTTP == nil {
			continue
		}
		for j, hp := range r.HTTP.Paths {
			errs = append(errs, ingressPath(hp, p.Child("http", "paths").Index(j))...)
		}
	}
	return errs
}

// ingressPath checks pathType, the path and the backend.
func ingressPath(hp networkingv1.HTTPIngressPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if hp.PathType == nil {
		errs = append(errs, field.Required(p.Child("pathType"), "pathType must be specified"))
	} else {
		errs = append(errs, enumRequired(*hp.PathType, pathTypes, p.Child("pathType"))...)
		if *hp.PathType != networkingv1.PathTypeImplementationSpecific && !strings.HasPrefix(hp.Path, "/") {
			errs = append(errs, field.Invalid(p.Child("path"), hp.Path, "must be an absolute path"))
		}
	}
	return append(errs, ingressBackend(&hp.Backend, p.Child("backend"))...)
}

// ingressBackend requires exactly one of service and resource.
func ingressBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	switch {
	case b.Service != nil && b.Resource != nil:
		return field.ErrorList{field.Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return nil
	case b.Service == nil:
		return field.ErrorList{field.Invalid(p, "", "resource or service backend is required")}
	}
	var errs field.ErrorList
	sp := p.Child("service")
	if b.Service.Name == "" {
		errs = append(errs, field.Required(sp.Child("name"), ""))
	} else {
		errs = append(errs, invalidMsgs(sp.Child("name"), b.Service.Name, dns1035Label(b.Service.Name, false))...)
	}
	port := b.Service.Port
	switch {
	case port.Name != "" && port.Number != 0:
		errs = append(errs, field.Invalid(sp.Child("port"), port, "cannot set both port name & port number"))
	case port.Name != "":
		errs = append(errs, invalidMsgs(sp.Child("port", "name"), port.Name, utilvalidation.IsValidPortName(port.Name))...)
	case port.Number != 0:
		errs = append(errs, invalidMsgs(sp.Child("port", "number"), port.Number, utilvalidation.IsValidPortNum(int(port.Number)))...)
	default:
		errs = append(errs, field.Required(sp.Child("port"), "port name or number is required"))
	}
	return errs
}

func validateIngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	errs := objectMeta(&ic.ObjectMeta, false, dnsSubdomain)
	if ic.Spec.Controller == "" {
		errs = append(errs, field.Required(specPath.Child("controller"), ""))
	} else {
		errs = append(errs, utilvalidation.IsDomainPrefixedPath(specPath.Child("controller"), ic.Spec.Controller)...)
	}
	return errs
}
