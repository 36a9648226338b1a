// Package podautoscaler owns the HorizontalPodAutoscaler controller
// (autoscaling/v2) for resource metrics, as upstream's
// horizontal-pod-autoscaler.
//
// Reconcile(namespace/name), every 15 s (upstream's
// --horizontal-pod-autoscaler-sync-period):
//
//  1. reads the target's scale subresource (Deployment, ReplicaSet,
//     StatefulSet, ReplicationController); failing, AbleToScale is False
//     with FailedGetScale;
//  2. with the target at zero replicas, scaling is disabled
//     (ScalingActive False, ScalingDisabled); outside [minReplicas,
//     maxReplicas] it is brought back in range;
//  3. otherwise every Resource metric (cpu, memory; averageUtilization or
//     averageValue) is read from the metrics.k8s.io/v1beta1 API through a
//     MetricsClient and turned into a replica count (replicas.go) with
//     upstream's tolerance of 0.1 and its handling of unready and missing
//     pods; the largest count wins. When no metric can be read (the
//     metrics API is not served, say) ScalingActive is False with
//     FailedGetResourceMetric and a FailedGetResourceMetric event, and the
//     scale is left alone;
//  4. the recommendation is stabilized over the behaviour's windows
//     (scale-down 300 s by default) and limited by its policies (Pods or
//     Percent per periodSeconds, selectPolicy Max, Min or Disabled) and by
//     min/maxReplicas (behavior.go), setting AbleToScale and
//     ScalingLimited with upstream's reasons;
//  5. a changed count is written to the scale subresource with a
//     SuccessfulRescale event ("New size: %d; reason: %s"), and status
//     (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
//     observedGeneration, conditions) is written.
//
// The resource metrics API: restMetrics (metrics.go) asks discovery
// whether metrics.k8s.io/v1beta1 serves pods, then lists PodMetrics of the
// namespace with the target's label selector, in JSON, and sums each
// pod's containers (a pod with no containers or a container without the
// resource has no metric), as upstream's resource metrics client. Skiff
// serves metrics.k8s.io itself (internal/resourcemetrics, from the
// kubelets' /metrics/resource); a server without it answers
// FailedGetResourceMetric ("the server could not find the requested
// resource (get pods.metrics.k8s.io)"), and one with no samples for the
// target's pods "no metrics returned from resource metrics API". Tests
// drive restMetrics against an httptest metrics server and the reconciler
// through a fake MetricsClient.
//
// Time is an input (Config.Now), and the recommendation and scale-event
// history each HPA needs for its windows lives in the Reconciler.
package podautoscaler
