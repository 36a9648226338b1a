// Package conversion owns the conversions between served versions that
// share one stored form: autoscaling/v1 HorizontalPodAutoscalers are stored
// as autoscaling/v2, and events.k8s.io/v1 Events as core/v1 Events, as
// upstream stores them, so both versions see the same objects.
package conversion
