package allocator

import (
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// family is the one IP family this single-stack cluster serves: that of
// the service CIDR.
func (s *Services) family() corev1.IPFamily {
	if s.IPs.CIDR().Addr().Is4() {
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}

// initIPFamilyFields fills a Service's ipFamilyPolicy and ipFamilies and
// holds them and its clusterIPs to what this single-stack cluster can give,
// as upstream's initIPFamilyFields (pkg/registry/core/service/storage/
// alloc.go) does before it allocates, on create and on update (old is nil
// on create). Defaulting has filled the policy (on update the old one when
// the client left it out); the families are filled here, from the cluster
// IPs and else the cluster's family, since only the allocator knows the
// service CIDR. A headless Service without a selector may name both
// families even here: its endpoints are the client's.
func (s *Services) initIPFamilyFields(svc, old *corev1.Service) error {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName || matchingPreferDualStack(svc, old) {
		return nil
	}
	if spec.IPFamilyPolicy == nil {
		spec.IPFamilyPolicy = defaultPolicy(svc, old)
	}
	policyPath := field.NewPath("spec", "ipFamilyPolicy")
	single := *spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack
	var errs field.ErrorList
	if old != nil {
		errs = releaseSecondary(spec, &old.Spec, single, policyPath)
	}
	if single && len(spec.ClusterIPs) == 2 {
		errs = append(errs, field.Invalid(policyPath, spec.IPFamilyPolicy,
			"must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
	}
	if single && len(spec.IPFamilies) == 2 {
		errs = append(errs, field.Invalid(policyPath, spec.IPFamilyPolicy,
			"must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
	}
	errs = append(errs, s.inferFamilies(spec)...)
	if len(errs) > 0 {
		return invalidFields(svc, errs)
	}
	if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = []corev1.IPFamily{s.family()}
		}
		if len(spec.IPFamilies) < 2 && !single {
			spec.IPFamilies = append(spec.IPFamilies, otherFamily(spec.IPFamilies[0]))
		}
		return nil
	}
	if *spec.IPFamilyPolicy == corev1.IPFamilyPolicyRequireDualStack {
		errs = append(errs, field.Invalid(policyPath, spec.IPFamilyPolicy, "this cluster is not configured for dual-stack services"))
	}
	for i, f := range spec.IPFamilies {
		if f != s.family() {
			errs = append(errs, field.Invalid(field.NewPath("spec", "ipFamilies").Index(i), f, "not configured on this cluster"))
		}
	}
	if len(errs) > 0 {
		return invalidFields(svc, errs)
	}
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{s.family()}
	}
	return nil
}

// defaultPolicy is upstream's ipFamilyPolicy for a Service without one:
// the old Service's on update, RequireDualStack for a headless Service
// without selector, else SingleStack.
func defaultPolicy(svc, old *corev1.Service) *corev1.IPFamilyPolicy {
	policy := corev1.IPFamilyPolicySingleStack
	switch {
	case old != nil && old.Spec.IPFamilyPolicy != nil:
		policy = *old.Spec.IPFamilyPolicy
	case svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.Selector) == 0:
		policy = corev1.IPFamilyPolicyRequireDualStack
	}
	return &policy
}

// inferFamilies appends the family of each cluster IP that has no
// ipFamilies entry yet, up to a "None", and reports a cluster IP of a
// family this cluster does not serve on its clusterIPs entry, as upstream.
func (s *Services) inferFamilies(spec *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	for i, ip := range spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if i < len(spec.IPFamilies) {
			continue
		}
		if f := familyOf(ip); f != s.family() {
			errs = append(errs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(i), spec.ClusterIPs,
				fmt.Sprintf("%s is not configured on this cluster", f)))
		} else {
			spec.IPFamilies = append(spec.IPFamilies, f)
		}
	}
	return errs
}

// matchingPreferDualStack reports an update of a PreferDualStack Service
// that keeps its type, policy, cluster IPs and families: upstream leaves
// those alone, so a cluster's change of stack never upgrades or
// downgrades it.
func matchingPreferDualStack(svc, old *corev1.Service) bool {
	if old == nil || svc.Spec.IPFamilyPolicy == nil || old.Spec.Type != svc.Spec.Type {
		return false
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	default:
		return false
	}
	prefer := corev1.IPFamilyPolicyPreferDualStack
	if *svc.Spec.IPFamilyPolicy != prefer || (old.Spec.IPFamilyPolicy != nil && *old.Spec.IPFamilyPolicy != prefer) {
		return false
	}
	return slices.Equal(svc.Spec.ClusterIPs, old.Spec.ClusterIPs) && slices.Equal(svc.Spec.IPFamilies, old.Spec.IPFamilies)
}

// otherFamily is the IP family that is not f.
func otherFamily(f corev1.IPFamily) corev1.IPFamily {
	if f == corev1.IPv6Protocol {
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}

// releaseSecondary is the update half of upstream's initIPFamilyFields:
// a SingleStack policy over the cluster IPs and families the Service had
// keeps only the first of each; any other policy may not drop one.
func releaseSecondary(spec, was *corev1.ServiceSpec, single bool, policyPath *field.Path) field.ErrorList {
	if single {
		if slices.Equal(spec.ClusterIPs, was.ClusterIPs) && len(spec.ClusterIPs) > 1 {
			spec.ClusterIPs = spec.ClusterIPs[:1]
		}
		if slices.Equal(spec.IPFamilies, was.IPFamilies) && len(spec.IPFamilies) > 1 {
			spec.IPFamilies = spec.IPFamilies[:1]
		}
		return nil
	}
	var errs field.ErrorList
	if len(spec.ClusterIPs) > 0 && len(spec.ClusterIPs) < len(was.ClusterIPs) {
		errs = append(errs, field.Invalid(policyPath, spec.IPFamilyPolicy, "must be 'SingleStack' to release the secondary cluster IP"))
	}
	if len(spec.IPFamilies) > 0 && len(spec.IPFamilies) < len(was.IPFamilies) {
		errs = append(errs, field.Invalid(policyPath, spec.IPFamilyPolicy, "must be 'SingleStack' to release the secondary IP family"))
	}
	return errs
}

// invalidFields is the 422 for errs on svc.
func invalidFields(svc *corev1.Service, errs field.ErrorList) error {
	return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, errs)
}

// familyOf returns the family of an IP address, "unknown" when it is none
// (validation reports that), as upstream.
func familyOf(ip string) corev1.IPFamily {
	addr, err := netip.ParseAddr(ip)
	switch {
	case err != nil:
		return "unknown"
	case addr.Is4() || addr.Is4In6():
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}
