package validation

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var serviceIPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}

// serviceClusterIPs checks clusterIP, clusterIPs, ipFamilies and
// ipFamilyPolicy as upstream's ValidateServiceClusterIPsRelatedFields and
// the type rules of ValidateService (pkg/apis/core/validation): an
// ExternalName Service has none of them; otherwise clusterIPs holds the
// clusterIP first (the API server fills it from a lone clusterIP), at most
// one valid IP per family or a lone "None", each of the family ipFamilies
// names at its index; families are IPv4 or IPv6, each once. The checks
// against the cluster's own families are the Service allocator's.
func serviceClusterIPs(spec *corev1.ServiceSpec) field.ErrorList {
	ipsPath := specPath.Child("clusterIPs")
	if spec.Type == corev1.ServiceTypeExternalName {
		var errs field.ErrorList
		if len(spec.ClusterIPs) > 0 {
			errs = append(errs, field.Forbidden(ipsPath, "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			errs = append(errs, field.Forbidden(specPath.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			errs = append(errs, field.Forbidden(specPath.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		return errs
	}
	var errs field.ErrorList
	if headlessService(spec) && (spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer) {
		errs = append(errs, field.Invalid(ipsPath.Index(0), spec.ClusterIPs[0], fmt.Sprintf("may not be set to 'None' for %s services", spec.Type)))
	}
	switch {
	case spec.ClusterIP != "" && len(spec.ClusterIPs) == 0:
		errs = append(errs, field.Required(ipsPath, ""))
	case spec.ClusterIP != "" && spec.ClusterIPs[0] != spec.ClusterIP:
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
	case spec.ClusterIP == "" && len(spec.ClusterIPs) > 0:
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}
	famPath := specPath.Child("ipFamilies")
	seen := sets.New[corev1.IPFamily]()
	for i, f := range spec.IPFamilies {
		errs = append(errs, enumRequired(f, serviceIPFamilies, famPath.Index(i))...)
		if seen.Has(f) {
			errs = append(errs, field.Duplicate(famPath.Index(i), f))
		}
		seen.Insert(f)
	}
	errs = append(errs, enumOptional(ptrValue(spec.IPFamilyPolicy), ipFamilyPolicies, specPath.Child("ipFamilyPolicy"))...)
	return append(errs, clusterIPValues(spec, ipsPath)...)
}

// clusterIPValues checks each clusterIPs entry, their number and their
// families, as the second half of upstream's
// ValidateServiceClusterIPsRelatedFields.
func clusterIPValues(spec *corev1.ServiceSpec, ipsPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	invalidIPs := false
	for i, ip := range spec.ClusterIPs {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(spec.ClusterIPs) > 1 {
				invalidIPs = true
				errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "'None' must be the first and only value"))
			}
			continue
		}
		ipErrs := utilvalidation.IsValidIP(ipsPath.Index(i), ip)
		invalidIPs = invalidIPs || len(ipErrs) > 0
		errs = append(errs, ipErrs...)
	}
	if len(spec.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "may only hold up to 2 values"))
	}
	if invalidIPs {
		return errs
	}
	if len(spec.ClusterIPs) == 2 && isIPv6(spec.ClusterIPs[0]) == isIPv6(spec.ClusterIPs[1]) {
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "may specify no more than one IP for each IP family"))
	}
	if headlessService(spec) {
		return errs
	}
	for i, ip := range spec.ClusterIPs {
		if i >= len(spec.IPFamilies) {
			break
		}
		switch f := spec.IPFamilies[i]; {
		case f == corev1.IPv4Protocol && isIPv6(ip), f == corev1.IPv6Protocol && !isIPv6(ip):
			errs = append(errs, field.Invalid(ipsPath.Index(i), ip, fmt.Sprintf("expected an %s value as indicated by `ipFamilies[%d]`", f, i)))
		}
	}
	return errs
}

// headlessService reports clusterIPs ["None"], as upstream's
// isHeadlessService.
func headlessService(spec *corev1.ServiceSpec) bool {
	return len(spec.ClusterIPs) == 1 && spec.ClusterIPs[0] == corev1.ClusterIPNone
}

// isIPv6 reports whether ip (already valid) is an IPv6 address.
func isIPv6(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && addr.Is6() && !addr.Is4In6()
}

// upgradeDowngradeClusterIPs holds an update to upstream's rules for
// clusterIPs (validateUpgradeDowngradeClusterIPs): a secondary IP may be
// added, or released by a SingleStack Service, but the primary never
// changes, unless the type changes to or from ExternalName or the Service
// stays headless.
func upgradeDowngradeClusterIPs(spec, was *corev1.ServiceSpec) field.ErrorList {
	if spec.Type == corev1.ServiceTypeExternalName || was.Type == corev1.ServiceTypeExternalName ||
		(headlessService(spec) && headlessService(was)) {
		return nil
	}
	p := specPath.Child("clusterIPs")
	var errs field.ErrorList
	ips, old := spec.ClusterIPs, was.ClusterIPs
	switch {
	case len(old) == len(ips):
		for i := range old {
			if old[i] != ips[i] {
				errs = append(errs, field.Invalid(p.Index(i), ips, "may not change once set"))
			}
		}
	case len(old) > len(ips):
		if len(ips) == 0 {
			errs = append(errs, field.Invalid(p.Index(0), ips, "primary clusterIP can not be unset"))
		} else if ips[0] != old[0] {
			errs = append(errs, field.Invalid(p.Index(0), ips, "may not change once set"))
		}
		if len(ips) == 1 && !singleStack(spec) {
			errs = append(errs, field.Invalid(specPath.Child("ipFamilyPolicy"), spec.IPFamilyPolicy,
				"must be set to 'SingleStack' when releasing the secondary clusterIP"))
		}
	case len(old) > 0 && ips[0] != old[0]:
		errs = append(errs, field.Invalid(p.Index(0), ips, "may not change once set"))
	}
	return errs
}

// upgradeDowngradeIPFamilies is the same for ipFamilies
// (validateUpgradeDowngradeIPFamilies); a headless Service may change its
// families. Before the allocator infers them, an update may carry none:
// that is no change.
func upgradeDowngradeIPFamilies(spec, was *corev1.ServiceSpec) field.ErrorList {
	if spec.Type == corev1.ServiceTypeExternalName || was.Type == corev1.ServiceTypeExternalName ||
		headlessService(spec) || headlessService(was) || len(spec.IPFamilies) == 0 {
		return nil
	}
	p := specPath.Child("ipFamilies")
	var errs field.ErrorList
	fams, old := spec.IPFamilies, was.IPFamilies
	switch {
	case len(old) == len(fams):
		for i := range old {
			if old[i] != fams[i] {
				errs = append(errs, field.Invalid(p.Index(0), fams, "may not change once set"))
			}
		}
	case len(old) > len(fams):
		if fams[0] != old[0] {
			errs = append(errs, field.Invalid(p.Index(0), spec.ClusterIPs, "may not change once set"))
		}
		if len(fams) == 1 && !singleStack(spec) {
			errs = append(errs, field.Invalid(specPath.Child("ipFamilyPolicy"), spec.IPFamilyPolicy,
				"must be set to 'SingleStack' when releasing the secondary ipFamily"))
		}
	case len(old) > 0 && fams[0] != old[0]:
		errs = append(errs, field.Invalid(p.Index(0), spec.ClusterIPs, "may not change once set"))
	}
	return errs
}

func singleStack(spec *corev1.ServiceSpec) bool {
	return spec.IPFamilyPolicy != nil && *spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack
}
