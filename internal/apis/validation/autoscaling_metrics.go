package validation

import (
	"fmt"
	"slices"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// metricSourceFields names each metric source's field, in the order
// upstream's validateMetricSpec looks at them.
var metricSourceFields = []struct {
	typ   autoscalingv2.MetricSourceType
	field string
}{
	{autoscalingv2.ObjectMetricSourceType, "object"},
	{autoscalingv2.ExternalMetricSourceType, "external"},
	{autoscalingv2.PodsMetricSourceType, "pods"},
	{autoscalingv2.ResourceMetricSourceType, "resource"},
	{autoscalingv2.ContainerResourceMetricSourceType, "containerResource"},
}

// hpaMetrics checks spec.metrics as upstream's validateMetrics: each
// metric, then, for minReplicas 0, at least one Object or External metric.
func hpaMetrics(metrics []autoscalingv2.MetricSpec, minReplicas *int32, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	scalesToZero := false
	for i := range metrics {
		errs = append(errs, metricSpec(&metrics[i], fldPath.Index(i))...)
		switch metrics[i].Type {
		case autoscalingv2.ObjectMetricSourceType, autoscalingv2.ExternalMetricSourceType:
			scalesToZero = true
		}
	}
	if minReplicas != nil && *minReplicas == 0 && !scalesToZero {
		errs = append(errs, field.Forbidden(fldPath, "must specify at least one Object or External metric to support scaling to zero replicas"))
	}
	return errs
}

// metricSpec checks one metric as upstream's validateMetricSpec: an empty
// type is Required and NotSupported (twice, as upstream reports an unknown
// type once among the valid ones and once in its switch); the first
// source given is checked; the source the type names must be given; and
// any other source given is forbidden.
func metricSpec(m *autoscalingv2.MetricSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	typePath := fldPath.Child("type")
	if m.Type == "" {
		errs = append(errs, field.Required(typePath, "must specify a metric source type"))
	}
	known := slices.Contains(metricSourceTypes, m.Type)
	if !known {
		errs = append(errs, field.NotSupported(typePath, m.Type, metricSourceTypes))
	}
	present := map[string]bool{
		"object": m.Object != nil, "external": m.External != nil, "pods": m.Pods != nil,
		"resource": m.Resource != nil, "containerResource": m.ContainerResource != nil,
	}
	var given []string
	expected := ""
	for _, s := range metricSourceFields {
		if present[s.field] {
			given = append(given, s.field)
		}
		if s.typ == m.Type {
			expected = s.field
		}
	}
	if len(given) > 0 {
		errs = append(errs, metricSource(m, given[0], fldPath.Child(given[0]))...)
	}
	switch {
	case !known:
		errs = append(errs, field.NotSupported(typePath, m.Type, metricSourceTypes))
	case !present[expected]:
		errs = append(errs, field.Required(fldPath.Child(expected), "must populate information for the given metric source"))
	}
	if len(given) != 1 {
		for _, f := range given {
			if f != expected {
				errs = append(errs, field.Forbidden(fldPath.Child(f), "must populate the given metric source only"))
			}
		}
	}
	return errs
}

// metricSource checks the source named by f.
func metricSource(m *autoscalingv2.MetricSpec, f string, fldPath *field.Path) field.ErrorList {
	switch f {
	case "object":
		return objectMetric(m.Object, fldPath)
	case "external":
		return externalMetric(m.External, fldPath)
	case "pods":
		return podsMetric(m.Pods, fldPath)
	case "resource":
		return resourceMetric(m.Resource.Name, m.Resource.Target, fldPath)
	default:
		return containerResourceMetric(m.ContainerResource, fldPath)
	}
}

func objectMetric(src *autoscalingv2.ObjectMetricSource, fldPath *field.Path) field.ErrorList {
	d := src.DescribedObject
	errs := crossVersionRef(d.Kind, d.Name, fldPath.Child("describedObject"))
	errs = append(errs, metricIdentifier(src.Metric, fldPath.Child("metric"))...)
	target := fldPath.Child("target")
	errs = append(errs, metricTarget(src.Target, target)...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(target.Child("averageValue"), "must set either a target value or averageValue"))
	}
	return errs
}

func externalMetric(src *autoscalingv2.ExternalMetricSource, fldPath *field.Path) field.ErrorList {
	errs := metricIdentifier(src.Metric, fldPath.Child("metric"))
	target := fldPath.Child("target")
	errs = append(errs, metricTarget(src.Target, target)...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(target.Child("averageValue"), "must set either a target value for metric or a per-pod target"))
	}
	if src.Target.Value != nil && src.Target.AverageValue != nil {
		errs = append(errs, field.Forbidden(target.Child("value"), "may not set both a target value for metric and a per-pod target"))
	}
	return errs
}

func podsMetric(src *autoscalingv2.PodsMetricSource, fldPath *field.Path) field.ErrorList {
	errs := metricIdentifier(src.Metric, fldPath.Child("metric"))
	target := fldPath.Child("target")
	errs = append(errs, metricTarget(src.Target, target)...)
	if src.Target.AverageValue == nil {
		errs = append(errs, field.Required(target.Child("averageValue"), "must specify a positive target averageValue"))
	}
	return errs
}

// resourceMetric checks a Resource source as upstream's
// validateResourceSource; the name is only required there.
func resourceMetric(name corev1.ResourceName, t autoscalingv2.MetricTarget, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), "must specify a resource name"))
	}
	return append(errs, resourceTarget(t, fldPath.Child("target"))...)
}

func containerResourceMetric(src *autoscalingv2.ContainerResourceMetricSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if src.Name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), "must specify a resource name"))
	} else {
		errs = append(errs, metricContainerResourceName(src.Name, fldPath.Child("name"))...)
	}
	if src.Container == "" {
		errs = append(errs, field.Required(fldPath.Child("container"), "must specify a container"))
	} else {
		errs = append(errs, invalidMsgs(fldPath.Child("container"), src.Container, utilvalidation.IsDNS1123Label(src.Container))...)
	}
	return append(errs, resourceTarget(src.Target, fldPath.Child("target"))...)
}

// resourceTarget checks the target of a Resource or ContainerResource
// source: a utilization or an average value, not both.
func resourceTarget(t autoscalingv2.MetricTarget, fldPath *field.Path) field.ErrorList {
	errs := metricTarget(t, fldPath)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, field.Required(fldPath.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, field.Forbidden(fldPath.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

// metricTarget checks a target as upstream's validateMetricTarget.
func metricTarget(t autoscalingv2.MetricTarget, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Type == "" {
		errs = append(errs, field.Required(fldPath.Child("type"), "must specify a metric target type"))
	}
	switch t.Type {
	case autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType:
	default:
		errs = append(errs, field.Invalid(fldPath.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(fldPath.Child("value"), t.Value, "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(fldPath.Child("averageValue"), t.AverageValue, "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(fldPath.Child("averageUtilization"), t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

// metricIdentifier requires a metric name that is a valid path segment;
// upstream's validateMetricIdentifier leaves the selector unchecked.
func metricIdentifier(id autoscalingv2.MetricIdentifier, fldPath *field.Path) field.ErrorList {
	if id.Name == "" {
		return field.ErrorList{field.Required(fldPath.Child("name"), "must specify a metric name")}
	}
	return invalidMsgs(fldPath.Child("name"), id.Name, pathSegment(id.Name, false))
}

// crossVersionRef checks a kind and name as upstream's
// ValidateCrossVersionObjectReference: both required, both path segments.
func crossVersionRef(kind, name string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if kind == "" {
		errs = append(errs, field.Required(fldPath.Child("kind"), ""))
	} else {
		errs = append(errs, invalidMsgs(fldPath.Child("kind"), kind, pathSegment(kind, false))...)
	}
	if name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), ""))
	} else {
		errs = append(errs, invalidMsgs(fldPath.Child("name"), name, pathSegment(name, false))...)
	}
	return errs
}

// metricContainerResourceName checks a container resource name as
// upstream's core/v1 ValidateContainerResourceName, which HPA metrics use:
// a qualified name, a standard resource (or one with a domain) that a
// container may request, or an extended resource.
func metricContainerResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	s := string(name)
	errs := invalidMsgs(fldPath, name, utilvalidation.IsQualifiedName(s))
	if len(errs) == 0 && !strings.Contains(s, "/") && !standardResourceName(s) {
		errs = append(errs, field.Invalid(fldPath, name, "must be a standard resource type or fully qualified"))
	}
	switch {
	case !strings.Contains(s, "/"):
		if !standardContainerResource(name) {
			errs = append(errs, field.Invalid(fldPath, name, "must be a standard resource for containers"))
		}
	case !nativeResource(name) && !extendedResourceName(s):
		errs = append(errs, field.Invalid(fldPath, name, "doesn't follow extended resource name standard"))
	}
	return errs
}

// standardResourceName is upstream's helper.IsStandardResourceName.
func standardResourceName(s string) bool {
	switch corev1.ResourceName(s) {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
		corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
		corev1.ResourceSecrets, corev1.ResourceConfigMaps, corev1.ResourcePersistentVolumeClaims, corev1.ResourceStorage,
		corev1.ResourceRequestsStorage, corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers:
		return true
	}
	return strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) || strings.HasPrefix(s, corev1.ResourceRequestsHugePagesPrefix)
}

// extendedResourceName is upstream's v1helper.IsExtendedResourceName for
// a name with a domain outside kubernetes.io.
func extendedResourceName(s string) bool {
	if strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(utilvalidation.IsQualifiedName(fmt.Sprintf("%s%s", corev1.DefaultResourceRequestsPrefix, s))) == 0
}
