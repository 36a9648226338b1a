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

// checkIPFamilies holds a Service's ipFamilyPolicy, ipFamilies and
// clusterIPs to what this cluster can give, as upstream's
// initIPFamilyFields (pkg/registry/core/service/storage/alloc.go) does
// before it allocates, on create and on update (old is nil on create).
// Defaulting has already filled the policy (on update the old one when
// the client left it out) and the families; what is left is upstream's
// release of a secondary IP or family by a SingleStack update, and its
// checks against the cluster's one family. A headless Service without a
// selector may name both families even here: its endpoints are the
// client's.
func (s *Services) checkIPFamilies(svc, old *corev1.Service) error {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName || spec.IPFamilyPolicy == nil {
		return nil
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
	for i, ip := range spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if f := familyOf(ip); f != "" && f != s.family() {
			errs = append(errs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(i), spec.ClusterIPs,
				fmt.Sprintf("%s is not configured on this cluster", f)))
		}
	}
	if len(errs) > 0 {
		return invalidFields(svc, errs)
	}
	if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
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
	return nil
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

// familyOf returns the family of an IP address, "" when it is none
// (validation reports that).
func familyOf(ip string) corev1.IPFamily {
	addr, err := netip.ParseAddr(ip)
	switch {
	case err != nil:
		return ""
	case addr.Is4() || addr.Is4In6():
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}
