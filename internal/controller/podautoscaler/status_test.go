package podautoscaler

import (
	"context"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// TestWriteStatusRetriesConflict: a status write from a stale cached HPA
// conflicts; the write is retried on a fresh read and the computed status
// (with the rescale's lastScaleTime) lands instead of being dropped.
func TestWriteStatusRetriesConflict(t *testing.T) {
	stored := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "7"}}
	cs := fake.NewClientset(stored)
	conflicts := 0
	cs.PrependReactor("update", "horizontalpodautoscalers", func(a clienttesting.Action) (bool, runtime.Object, error) {
		u := a.(clienttesting.UpdateAction)
		if u.GetSubresource() == "status" && u.GetObject().(*autoscalingv2.HorizontalPodAutoscaler).ResourceVersion == "6" {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "web", nil)
		}
		return false, nil, nil
	})
	r := &Reconciler{client: cs}
	stale := stored.DeepCopy()
	stale.ResourceVersion = "6"
	scaled := metav1.NewTime(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC))
	st := autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, DesiredReplicas: 4, LastScaleTime: &scaled}
	if err := r.writeStatus(context.Background(), stale, st); err != nil {
		t.Fatalf("writeStatus: %v", err)
	}
	got, err := cs.AutoscalingV2().HorizontalPodAutoscalers("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if conflicts != 1 || got.Status.DesiredReplicas != 4 || got.Status.LastScaleTime == nil || !got.Status.LastScaleTime.Equal(&scaled) {
		t.Errorf("after %d conflicts status = %+v; want desired 4 and lastScaleTime %v after 1 conflict", conflicts, got.Status, scaled)
	}

	// A later pass that did not rescale, built on a cache from before that
	// write, conflicts too: the retry keeps the stored lastScaleTime.
	conflicts = 0
	stale = stored.DeepCopy()
	stale.ResourceVersion = "6"
	st = autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 4, DesiredReplicas: 4}
	if err := r.writeStatus(context.Background(), stale, st); err != nil {
		t.Fatalf("second writeStatus: %v", err)
	}
	got, err = cs.AutoscalingV2().HorizontalPodAutoscalers("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if conflicts != 1 || got.Status.CurrentReplicas != 4 || got.Status.LastScaleTime == nil || !got.Status.LastScaleTime.Equal(&scaled) {
		t.Errorf("after %d conflicts status = %+v; want current 4 and the stored lastScaleTime %v", conflicts, got.Status, scaled)
	}
}
