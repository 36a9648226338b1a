package printers

import (
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// hpaMetricsDescription describes the TARGETS column in the words upstream
// quotes, autoscaling/v2beta1's documentation of spec.metrics, which
// k8s.io/api no longer ships (v2's adds a sentence on the default metric).
const hpaMetricsDescription = "metrics contains the specifications for which to use to calculate the desired replica count " +
	"(the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying " +
	"the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must " +
	"decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information " +
	"about how each type of metric must respond."

// horizontalPodAutoscalerPrinter prints autoscaling/v2 objects and, through
// upstream's conversion of the CPU target, autoscaling/v1 ones. The API
// server prints the stored v2 object of a v1 read, as upstream prints its
// internal one; a v1 object alone shows no metric but the CPU target.
func horizontalPodAutoscalerPrinter() *Printer {
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Reference", "string", spec["scaleTargetRef"]),
		column("Targets", "string", hpaMetricsDescription),
		column("MinPods", "string", spec["minReplicas"]),
		column("MaxPods", "string", spec["maxReplicas"]),
		column("Replicas", "string", autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
		ageColumn(),
	}
	return &Printer{
		Columns: cols,
		Row: func(obj runtime.Object, now time.Time) ([]interface{}, error) {
			switch hpa := obj.(type) {
			case *autoscalingv2.HorizontalPodAutoscaler:
				return hpaRow(hpa, now), nil
			case *autoscalingv1.HorizontalPodAutoscaler:
				return hpaRow(hpaV2(hpa), now), nil
			}
			return nil, unexpectedType(obj, &autoscalingv2.HorizontalPodAutoscaler{})
		},
	}
}

func hpaRow(hpa *autoscalingv2.HorizontalPodAutoscaler, now time.Time) []interface{} {
	minPods := "<unset>"
	if hpa.Spec.MinReplicas != nil {
		minPods = fmt.Sprintf("%d", *hpa.Spec.MinReplicas)
	}
	ref := hpa.Spec.ScaleTargetRef
	return []interface{}{
		hpa.Name,
		ref.Kind + "/" + ref.Name,
		hpaMetrics(hpa.Spec.Metrics, hpa.Status.CurrentMetrics),
		minPods,
		int64(hpa.Spec.MaxReplicas),
		int64(hpa.Status.CurrentReplicas),
		age(hpa.CreationTimestamp, now),
	}
}

// hpaV2 converts the fields the printer reads from autoscaling/v1: the CPU
// utilization target and current value become a Resource metric.
func hpaV2(in *autoscalingv1.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	out := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: in.ObjectMeta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
			MinReplicas:    in.Spec.MinReplicas,
			MaxReplicas:    in.Spec.MaxReplicas,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: in.Status.CurrentReplicas},
	}
	if in.Spec.TargetCPUUtilizationPercentage != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name:   corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: in.Spec.TargetCPUUtilizationPercentage},
			},
		}}
	}
	if in.Status.CurrentCPUUtilizationPercentage != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name:    corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: in.Status.CurrentCPUUtilizationPercentage},
			},
		}}
	}
	return out
}

// hpaMetrics renders the first two metrics as "current/target", then
// "+ N more...". Missing current values show as "<unknown>".
func hpaMetrics(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	const max = 2
	list := make([]string, 0, len(specs))
	for i, spec := range specs {
		var status *autoscalingv2.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		list = append(list, hpaMetric(spec, status))
	}
	if len(list) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:max], ", "), len(list)-max)
	}
	return strings.Join(list, ", ")
}

func hpaMetric(spec autoscalingv2.MetricSpec, status *autoscalingv2.MetricStatus) string {
	switch {
	case spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.External != nil {
			current = &status.External.Current
		}
		return valueMetric(spec.External.Target, current)
	case spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods != nil:
		current := "<unknown>"
		if status != nil && status.Pods != nil {
			current = status.Pods.Current.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s", current, spec.Pods.Target.AverageValue.String())
	case spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Object != nil {
			current = &status.Object.Current
		}
		return valueMetric(spec.Object.Target, current)
	case spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Resource != nil {
			current = &status.Resource.Current
		}
		return resourceMetric(spec.Resource.Name, spec.Resource.Target, current)
	case spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.ContainerResource != nil {
			current = &status.ContainerResource.Current
		}
		return resourceMetric(spec.ContainerResource.Name, spec.ContainerResource.Target, current)
	}
	return "<unknown type>"
}

// valueMetric renders an object or external metric: "current/target (avg)"
// for an average value target, else "current/target".
func valueMetric(target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus) string {
	cur := "<unknown>"
	if target.AverageValue != nil {
		if current != nil && current.AverageValue != nil {
			cur = current.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s (avg)", cur, target.AverageValue.String())
	}
	if current != nil {
		cur = current.Value.String()
	}
	return fmt.Sprintf("%s/%s", cur, target.Value.String())
}

// resourceMetric renders a (container) resource metric, "cpu: 50%/80%" for
// a utilization target or "memory: 1Gi/2Gi" for an average value target.
func resourceMetric(name corev1.ResourceName, target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus) string {
	cur := "<unknown>"
	if target.AverageValue != nil {
		if current != nil {
			cur = current.AverageValue.String()
		}
		return fmt.Sprintf("%s: %s/%s", name, cur, target.AverageValue.String())
	}
	if current != nil && current.AverageUtilization != nil {
		cur = fmt.Sprintf("%d%%", *current.AverageUtilization)
	}
	tgt := "<auto>"
	if target.AverageUtilization != nil {
		tgt = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return fmt.Sprintf("%s: %s/%s", name, cur, tgt)
}

// scalePrinter prints the autoscaling/v1 Scale of a scale subresource.
// Unlike every other printer, upstream's gives its Name column no "name"
// format.
func scalePrinter() *Printer {
	name := nameColumn()
	name.Format = ""
	cols := []metav1.TableColumnDefinition{
		name,
		column("Desired", "integer", autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]),
		column("Available", "integer", autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]),
		ageColumn(),
	}
	return typed(cols, func(s *autoscalingv1.Scale, now time.Time) []interface{} {
		return []interface{}{s.Name, int64(s.Spec.Replicas), int64(s.Status.Replicas), age(s.CreationTimestamp, now)}
	})
}
