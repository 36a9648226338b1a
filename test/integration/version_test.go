package integration

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServedVersionsShareObjects: as upstream, a resource served in two
// versions (or groups) is one set of objects: an HPA created through
// autoscaling/v2 is visible through autoscaling/v1, and a core/v1 Event
// through events.k8s.io/v1.
func TestServedVersionsShareObjects(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	if _, err := shared.cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, newHPAv2(ns, "h"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := shared.cs.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(ctx, "h", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get v2-created HPA through autoscaling/v1: %v", err)
	}
	if got.Spec.TargetCPUUtilizationPercentage == nil || *got.Spec.TargetCPUUtilizationPercentage != 80 {
		t.Errorf("v1 view targetCPUUtilizationPercentage = %v; want 80", got.Spec.TargetCPUUtilizationPercentage)
	}
	if _, err := shared.cs.CoreV1().Events(ns).Create(ctx, newCoreEvent(ns, "e"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.cs.EventsV1().Events(ns).Get(ctx, "e", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		t.Errorf("core/v1 Event not visible through events.k8s.io/v1")
	}
}

// TestEventCreateExisting: an Event (a resource without a watch cache,
// whose create leaves the existence check to storage) created twice is 409
// AlreadyExists, as a dry run of it is, and the first one stays as it was.
func TestEventCreateExisting(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	first, err := shared.cs.CoreV1().Events(ns).Create(ctx, newCoreEvent(ns, "e"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again := newCoreEvent(ns, "e")
	again.Message = "the second one"
	for _, opts := range []metav1.CreateOptions{{}, {DryRun: []string{metav1.DryRunAll}}} {
		_, err := shared.cs.CoreV1().Events(ns).Create(ctx, again, opts)
		if !apierrors.IsAlreadyExists(err) {
			t.Errorf("second create (dryRun %v): %v; want AlreadyExists", opts.DryRun, err)
		}
	}
	got, err := shared.cs.CoreV1().Events(ns).Get(ctx, "e", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Message != first.Message || got.ResourceVersion != first.ResourceVersion {
		t.Errorf("after the failed creates the event is %q at %s; want %q at %s", got.Message, got.ResourceVersion, first.Message, first.ResourceVersion)
	}
}
