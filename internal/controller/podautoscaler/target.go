package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// getScale reads the scale subresource of hpa's target.
func (r *Reconciler) getScale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) (*autoscalingv1.Scale, error) {
	ref, ns := hpa.Spec.ScaleTargetRef, hpa.Namespace
	o := metav1.GetOptions{}
	switch {
	case ref.Kind == "Deployment" && ref.APIVersion == "apps/v1":
		return r.client.AppsV1().Deployments(ns).GetScale(ctx, ref.Name, o)
	case ref.Kind == "ReplicaSet" && ref.APIVersion == "apps/v1":
		return r.client.AppsV1().ReplicaSets(ns).GetScale(ctx, ref.Name, o)
	case ref.Kind == "StatefulSet" && ref.APIVersion == "apps/v1":
		return r.client.AppsV1().StatefulSets(ns).GetScale(ctx, ref.Name, o)
	case ref.Kind == "ReplicationController" && ref.APIVersion == "v1":
		return r.client.CoreV1().ReplicationControllers(ns).GetScale(ctx, ref.Name, o)
	}
	return nil, errUnknownTarget(ref)
}

// updateScale writes sc to the scale subresource of hpa's target.
func (r *Reconciler) updateScale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, sc *autoscalingv1.Scale) error {
	ref, ns := hpa.Spec.ScaleTargetRef, hpa.Namespace
	o := metav1.UpdateOptions{}
	var err error
	switch {
	case ref.Kind == "Deployment":
		_, err = r.client.AppsV1().Deployments(ns).UpdateScale(ctx, ref.Name, sc, o)
	case ref.Kind == "ReplicaSet":
		_, err = r.client.AppsV1().ReplicaSets(ns).UpdateScale(ctx, ref.Name, sc, o)
	case ref.Kind == "StatefulSet":
		_, err = r.client.AppsV1().StatefulSets(ns).UpdateScale(ctx, ref.Name, sc, o)
	case ref.Kind == "ReplicationController":
		_, err = r.client.CoreV1().ReplicationControllers(ns).UpdateScale(ctx, ref.Name, sc, o)
	default:
		err = errUnknownTarget(ref)
	}
	return err
}

// computeMetrics proposes a replica count from every metric of hpa: the
// largest valid proposal, never a scale-down while some metric is
// invalid. It sets ScalingActive and currentMetrics.
func (r *Reconciler) computeMetrics(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, sc *autoscalingv1.Scale,
	st *autoscalingv2.HorizontalPodAutoscalerStatus, now time.Time) (int32, string, error) {
	sel, err := labels.Parse(sc.Status.Selector)
	if err != nil || sc.Status.Selector == "" {
		err := errors.New("selector is required")
		r.recorder.Event(hpa, corev1.EventTypeWarning, "SelectorRequired", err.Error())
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", now,
			"the HPA target's scale is missing a selector")
		return 0, "", err
	}
	pods, err := r.pods.Pods(hpa.Namespace).List(sel)
	if err != nil {
		return 0, "", err
	}
	var best int32 = -1
	var bestName string
	var statuses []autoscalingv2.MetricStatus
	var firstErr error
	invalid := 0
	for _, spec := range hpa.Spec.Metrics {
		n, name, status, reason, err := r.computeOne(ctx, hpa.Namespace, sel, sc.Spec.Replicas, pods, spec, now)
		if err != nil {
			invalid++
			if firstErr == nil {
				firstErr = err
				r.recorder.Event(hpa, corev1.EventTypeWarning, reason, err.Error())
				setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, reason, now,
					"the HPA was unable to compute the replica count: %v", err)
			}
			statuses = append(statuses, autoscalingv2.MetricStatus{Type: spec.Type})
			continue
		}
		statuses = append(statuses, status)
		if n > best {
			best, bestName = n, name
		}
	}
	st.CurrentMetrics = statuses
	if invalid > 0 && (invalid == len(hpa.Spec.Metrics) || best < sc.Spec.Replicas) {
		if invalid == len(hpa.Spec.Metrics) {
			r.recorder.Eventf(hpa, corev1.EventTypeWarning, "FailedComputeMetricsReplicas",
				"invalid metrics (%d invalid out of %d), first error is: %v", invalid, len(hpa.Spec.Metrics), firstErr)
		}
		return 0, "", fmt.Errorf("invalid metrics (%d invalid out of %d), first error is: %w", invalid, len(hpa.Spec.Metrics), firstErr)
	}
	if best < 0 {
		best = sc.Spec.Replicas
	}
	setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound", now,
		"the HPA was able to successfully calculate a replica count from %s", bestName)
	return best, bestName, nil
}

// computeOne proposes a replica count from one metric; on failure it
// returns the condition and event reason.
func (r *Reconciler) computeOne(ctx context.Context, ns string, sel labels.Selector, current int32, pods []*corev1.Pod,
	spec autoscalingv2.MetricSpec, now time.Time) (int32, string, autoscalingv2.MetricStatus, string, error) {
	if spec.Type != autoscalingv2.ResourceMetricSourceType || spec.Resource == nil {
		return 0, "", autoscalingv2.MetricStatus{}, "InvalidMetricSourceType",
			fmt.Errorf("unsupported metric source type %q: only Resource metrics are served", spec.Type)
	}
	res := spec.Resource.Name
	var t target
	what := "utilization"
	name := fmt.Sprintf("%s resource utilization (percentage of request)", res)
	switch {
	case spec.Resource.Target.AverageUtilization != nil:
		t.utilization = spec.Resource.Target.AverageUtilization
	case spec.Resource.Target.AverageValue != nil:
		t.averageMilli = spec.Resource.Target.AverageValue.MilliValue()
		what, name = "usage", fmt.Sprintf("%s resource", res)
	default:
		return 0, "", autoscalingv2.MetricStatus{}, "FailedGetResourceMetric",
			fmt.Errorf("failed to get %s resource metric value: invalid resource metric source: neither a utilization target nor a value target was set", res)
	}
	metrics, err := r.metrics.PodMetrics(ctx, ns, sel, res)
	if err == nil {
		var e estimate
		if e, err = replicasFor(current, pods, metrics, res, t, now); err == nil {
			status := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
				Name: res, Current: autoscalingv2.MetricValueStatus{AverageValue: milliQuantity(e.averageMilli)}}}
			if t.utilization != nil {
				u := e.utilization
				status.Resource.Current.AverageUtilization = &u
			}
			return e.replicas, name, status, "", nil
		}
	} else {
		err = fmt.Errorf("unable to get metrics for resource %s: %w", res, err)
	}
	return 0, "", autoscalingv2.MetricStatus{}, "FailedGetResourceMetric",
		fmt.Errorf("failed to get %s resource metric value: failed to get %s %s: %w", res, res, what, err)
}
