package validation

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	specPath              = field.NewPath("spec")
	restartPolicies       = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	dnsPolicies           = []corev1.DNSPolicy{corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone}
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	podUpdateForbiddenMsg = "pod updates may not change fields other than `spec.containers[*].image`," +
		"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` " +
		"(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` " +
		"(allow it to be set to 1 if it was previously negative)"
)

// validatePod checks a Pod on create.
func validatePod(p *corev1.Pod) field.ErrorList {
	errs := objectMeta(&p.ObjectMeta, true, dnsSubdomain)
	errs = append(errs, podSpec(&p.Spec, specPath, false)...)
	for i, c := range p.Spec.Containers {
		errs = append(errs, imageWhitespace(c.Image, specPath.Child("containers").Index(i).Child("image"))...)
	}
	for i, c := range p.Spec.InitContainers {
		errs = append(errs, imageWhitespace(c.Image, specPath.Child("initContainers").Index(i).Child("image"))...)
	}
	if p.Spec.NodeName != "" && len(p.Spec.SchedulingGates) != 0 {
		errs = append(errs, field.Forbidden(specPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return errs
}

// schedulingGates checks the gates' names: qualified names, no two alike.
func schedulingGates(gates []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, g := range gates {
		errs = append(errs, invalidMsgs(fldPath.Index(i), g.Name, utilvalidation.IsQualifiedName(g.Name))...)
		if seen.Has(g.Name) {
			errs = append(errs, field.Duplicate(fldPath.Index(i), g.Name))
		}
		seen.Insert(g.Name)
	}
	return errs
}

// onlyDeletedGates forbids adding scheduling gates on update: they may
// only be removed.
func onlyDeletedGates(gates, old []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	had := sets.New[string]()
	for _, g := range old {
		had.Insert(g.Name)
	}
	for i, g := range gates {
		if !had.Has(g.Name) {
			errs = append(errs, field.Forbidden(fldPath.Index(i).Child("name"),
				fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// nodeSelectorAdditions allows a gated pod's nodeSelector to gain keys,
// not to lose or change any.
func nodeSelectorAdditions(sel, old map[string]string, fldPath *field.Path) field.ErrorList {
	for k, v := range old {
		if nv, ok := sel[k]; !ok || nv != v {
			return field.ErrorList{field.Invalid(fldPath, sel, "only additions to spec.nodeSelector are allowed (no mutations or deletions)")}
		}
	}
	return nil
}

// imageWhitespace rejects leading or trailing whitespace in a Pod's image.
func imageWhitespace(image string, fldPath *field.Path) field.ErrorList {
	if image != "" && len(image) != len(trimSpace(image)) {
		return field.ErrorList{field.Invalid(fldPath, image, "must not have leading or trailing whitespace")}
	}
	return nil
}

// validatePodUpdate allows only image, activeDeadlineSeconds, toleration
// additions, a negative grace period raised to 1, the removal of
// scheduling gates and, while gated, nodeSelector additions.
func validatePodUpdate(p, old *corev1.Pod) field.ErrorList {
	var errs field.ErrorList
	if old.Spec.ActiveDeadlineSeconds != nil {
		if p.Spec.ActiveDeadlineSeconds == nil {
			errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), nil,
				"must not update from a positive integer to nil value"))
		} else if *p.Spec.ActiveDeadlineSeconds > *old.Spec.ActiveDeadlineSeconds {
			errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *p.Spec.ActiveDeadlineSeconds,
				"must be less than or equal to previous value"))
		}
	}
	errs = append(errs, tolerationAdditions(p.Spec.Tolerations, old.Spec.Tolerations)...)
	mutable := old.Spec.DeepCopy()
	for i := range mutable.Containers {
		if i < len(p.Spec.Containers) {
			mutable.Containers[i].Image = p.Spec.Containers[i].Image
		}
	}
	for i := range mutable.InitContainers {
		if i < len(p.Spec.InitContainers) {
			mutable.InitContainers[i].Image = p.Spec.InitContainers[i].Image
		}
	}
	mutable.ActiveDeadlineSeconds = p.Spec.ActiveDeadlineSeconds
	mutable.Tolerations = p.Spec.Tolerations
	// Scheduling gates may be removed; while a pod is gated its
	// nodeSelector may gain keys, as upstream.
	errs = append(errs, onlyDeletedGates(p.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)
	mutable.SchedulingGates = p.Spec.SchedulingGates
	if len(old.Spec.SchedulingGates) > 0 {
		errs = append(errs, nodeSelectorAdditions(p.Spec.NodeSelector, old.Spec.NodeSelector, specPath.Child("nodeSelector"))...)
		mutable.NodeSelector = p.Spec.NodeSelector
	}
	mutable.EphemeralContainers = p.Spec.EphemeralContainers
	if g := old.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 && p.Spec.TerminationGracePeriodSeconds != nil && *p.Spec.TerminationGracePeriodSeconds == 1 {
		mutable.TerminationGracePeriodSeconds = p.Spec.TerminationGracePeriodSeconds
	}
	if !equality.Semantic.DeepEqual(mutable, &p.Spec) {
		errs = append(errs, field.Forbidden(specPath, podUpdateForbiddenMsg))
	}
	return errs
}

// tolerationAdditions requires every old toleration to remain, with only
// tolerationSeconds of NoExecute tolerations allowed to shrink.
func tolerationAdditions(tols, old []corev1.Toleration) field.ErrorList {
	var errs field.ErrorList
	for _, o := range old {
		found := false
		for _, n := range tols {
			if n.Key == o.Key && n.Operator == o.Operator && n.Value == o.Value && n.Effect == o.Effect {
				found = true
				break
			}
		}
		if !found {
			errs = append(errs, field.Forbidden(specPath.Child("tolerations"),
				"existing toleration can not be modified except its tolerationSeconds"))
		}
	}
	return errs
}

// validatePodStatusUpdate checks a Pod status update: nodeName and the
// spec must not change through the status subresource.
func validatePodStatusUpdate(p, old *corev1.Pod) field.ErrorList {
	var errs field.ErrorList
	if p.Spec.NodeName != old.Spec.NodeName {
		errs = append(errs, field.Forbidden(field.NewPath("status", "nodeName"), "may not be changed directly"))
	}
	return errs
}

// podTemplateSpec checks an embedded pod template: labels, annotations
// and the spec; ephemeral containers are not allowed.
func podTemplateSpec(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	errs := unversioned.ValidateLabels(t.Labels, fldPath.Child("metadata", "labels"))
	errs = append(errs, annotations(t.Annotations, fldPath.Child("metadata", "annotations"))...)
	errs = append(errs, podSpec(&t.Spec, fldPath.Child("spec"), true)...)
	return errs
}

// podSpec checks a PodSpec; template is true inside a pod template.
func podSpec(s *corev1.PodSpec, fldPath *field.Path, template bool) field.ErrorList {
	volumes, errs := podVolumes(s.Volumes, fldPath.Child("volumes"))
	names := sets.New[string]()
	errs = append(errs, containers(s.InitContainers, volumes, names, fldPath.Child("initContainers"), true)...)
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(fldPath.Child("containers"), ""))
	}
	errs = append(errs, containers(s.Containers, volumes, names, fldPath.Child("containers"), false)...)
	if template && len(s.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(fldPath.Child("ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	// Paths of fields that are valid or unset are not built: a pod is
	// validated on every create, and most of its fields are either.
	errs = append(errs, enumRequiredChild(s.RestartPolicy, restartPolicies, fldPath, "restartPolicy")...)
	errs = append(errs, enumRequiredChild(s.DNSPolicy, dnsPolicies, fldPath, "dnsPolicy")...)
	if s.DNSConfig != nil || s.DNSPolicy == corev1.DNSNone {
		errs = append(errs, dnsConfig(s.DNSConfig, s.DNSPolicy, fldPath.Child("dnsConfig"))...)
	}
	if len(s.NodeSelector) > 0 {
		errs = append(errs, unversioned.ValidateLabels(s.NodeSelector, fldPath.Child("nodeSelector"))...)
	}
	if len(s.SchedulingGates) > 0 {
		errs = append(errs, schedulingGates(s.SchedulingGates, fldPath.Child("schedulingGates"))...)
	}
	errs = append(errs, optionalNameChild(s.ServiceAccountName, dnsSubdomain, fldPath, "serviceAccountName")...)
	errs = append(errs, optionalNameChild(s.NodeName, dnsSubdomain, fldPath, "nodeName")...)
	errs = append(errs, optionalNameChild(s.PriorityClassName, dnsSubdomain, fldPath, "priorityClassName")...)
	errs = append(errs, optionalNameChild(s.Hostname, dnsLabel, fldPath, "hostname")...)
	errs = append(errs, optionalNameChild(s.Subdomain, dnsLabel, fldPath, "subdomain")...)
	if s.ActiveDeadlineSeconds != nil && *s.ActiveDeadlineSeconds <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("activeDeadlineSeconds"), *s.ActiveDeadlineSeconds,
			"must be between 1 and 2147483647, inclusive"))
	}
	if len(s.Tolerations) > 0 {
		errs = append(errs, tolerations(s.Tolerations, fldPath.Child("tolerations"))...)
	}
	if len(s.TopologySpreadConstraints) > 0 {
		errs = append(errs, topologySpread(s.TopologySpreadConstraints, fldPath.Child("topologySpreadConstraints"))...)
	}
	if s.Affinity != nil {
		errs = append(errs, affinity(s.Affinity, fldPath.Child("affinity"))...)
	}
	if len(s.HostAliases) > 0 {
		errs = append(errs, hostAliases(s.HostAliases, fldPath.Child("hostAliases"))...)
	}
	for i, ps := range s.ImagePullSecrets {
		if ps.Name == "" {
			errs = append(errs, field.Required(fldPath.Child("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}
	return errs
}

// optionalName checks a name-valued field when it is set.
func optionalName(v string, fn nameFunc, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return nil
	}
	return invalidMsgs(fldPath, v, fn(v, false))
}

// optionalNameChild is optionalName for parent's field name, whose path
// is built only for an error.
func optionalNameChild(v string, fn nameFunc, parent *field.Path, name string) field.ErrorList {
	if v == "" {
		return nil
	}
	msgs := fn(v, false)
	if len(msgs) == 0 {
		return nil
	}
	return invalidMsgs(parent.Child(name), v, msgs)
}

// enumRequiredChild is enumRequired for parent's field name, whose path
// is built only for an error.
func enumRequiredChild[T ~string](v T, valid []T, parent *field.Path, name string) field.ErrorList {
	if v != "" && slices.Contains(valid, v) {
		return nil
	}
	return enumRequired(v, valid, parent.Child(name))
}

// enumRequired reports an empty value as Required and an unknown one as
// NotSupported.
func enumRequired[T ~string](v T, valid []T, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return enumOptional(v, valid, fldPath)
}

// enumOptional reports a set value that is not one of valid.
func enumOptional[T ~string](v T, valid []T, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return nil
	}
	for _, ok := range valid {
		if v == ok {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(fldPath, v, valid)}
}

// dnsConfig checks dnsConfig, which dnsPolicy None requires.
func dnsConfig(c *corev1.PodDNSConfig, policy corev1.DNSPolicy, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if policy == corev1.DNSNone {
		if c == nil {
			return field.ErrorList{field.Required(fldPath, fmt.Sprintf("must provide `dnsConfig` when `dnsPolicy` is %s", corev1.DNSNone))}
		}
		if len(c.Nameservers) == 0 {
			errs = append(errs, field.Required(fldPath.Child("nameservers"), fmt.Sprintf("must provide at least one DNS nameserver when `dnsPolicy` is %s", corev1.DNSNone)))
		}
	}
	if c == nil {
		return errs
	}
	if len(c.Nameservers) > maxDNSNameservers {
		errs = append(errs, field.Invalid(fldPath.Child("nameservers"), c.Nameservers,
			fmt.Sprintf("must not have more than %v nameservers", maxDNSNameservers)))
	}
	for i, ns := range c.Nameservers {
		errs = append(errs, ipAddress(ns, fldPath.Child("nameservers").Index(i))...)
	}
	if len(c.Searches) > maxDNSSearchPaths {
		errs = append(errs, field.Invalid(fldPath.Child("searches"), c.Searches,
			fmt.Sprintf("must not have more than %v search paths", maxDNSSearchPaths)))
	}
	for i, opt := range c.Options {
		if opt.Name == "" {
			errs = append(errs, field.Required(fldPath.Child("options").Index(i), "Option.Name must not be empty"))
		}
	}
	return errs
}
