package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	taintEffects        = []corev1.TaintEffect{corev1.TaintEffectNoExecute, corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule}
	unsatisfiableWhen   = []corev1.UnsatisfiableConstraintAction{corev1.DoNotSchedule, corev1.ScheduleAnyway}
	tolerationOperators = []corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}
)

// annotations checks annotation keys and total size.
func annotations(a map[string]string, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateAnnotations(a, fldPath)
}

// ipAddress checks an IP address field.
func ipAddress(ip string, fldPath *field.Path) field.ErrorList {
	return utilvalidation.IsValidIP(fldPath, ip)
}

// tolerations checks keys, operators, values and effects.
func tolerations(ts []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		idx := fldPath.Index(i)
		if t.Key != "" {
			errs = append(errs, invalidMsgs(idx.Child("key"), t.Key, content.IsLabelKey(t.Key))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(idx.Child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(idx.Child("effect"), t.Effect,
				"effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			errs = append(errs, invalidMsgs(idx.Child("operator"), t.Value, content.IsLabelValue(t.Value))...)
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(idx.Child("operator"), t, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(idx.Child("operator"), t.Operator, tolerationOperators))
		}
		errs = append(errs, enumOptional(t.Effect, taintEffects, idx.Child("effect"))...)
	}
	return errs
}

// taints checks node taints: key, value and a required effect.
func taints(ts []corev1.Taint, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		idx := fldPath.Index(i)
		errs = append(errs, invalidMsgs(idx.Child("key"), t.Key, content.IsLabelKey(t.Key))...)
		if t.Value != "" {
			errs = append(errs, invalidMsgs(idx.Child("value"), t.Value, content.IsLabelValue(t.Value))...)
		}
		errs = append(errs, enumRequired(t.Effect, taintEffects, idx.Child("effect"))...)
	}
	return errs
}

// topologySpread checks maxSkew, topologyKey and whenUnsatisfiable.
func topologySpread(cs []corev1.TopologySpreadConstraint, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range cs {
		idx := fldPath.Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, field.Invalid(idx.Child("maxSkew"), c.MaxSkew, "must be greater than zero"))
		}
		if c.TopologyKey == "" {
			errs = append(errs, field.Required(idx.Child("topologyKey"), "can not be empty"))
		} else {
			errs = append(errs, invalidMsgs(idx.Child("topologyKey"), c.TopologyKey, content.IsLabelKey(c.TopologyKey))...)
		}
		errs = append(errs, enumRequired(c.WhenUnsatisfiable, unsatisfiableWhen, idx.Child("whenUnsatisfiable"))...)
		if c.MinDomains != nil && *c.MinDomains <= 0 {
			errs = append(errs, field.Invalid(idx.Child("minDomains"), *c.MinDomains, "must be greater than 0"))
		}
	}
	return errs
}

// hostAliases requires valid IPs and hostnames.
func hostAliases(as []corev1.HostAlias, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, a := range as {
		idx := fldPath.Index(i)
		errs = append(errs, ipAddress(a.IP, idx.Child("ip"))...)
		for j, h := range a.Hostnames {
			errs = append(errs, invalidMsgs(idx.Child("hostnames").Index(j), h, utilvalidation.IsDNS1123Subdomain(h))...)
		}
	}
	return errs
}
