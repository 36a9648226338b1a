package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const testFinalizer = "skiff.dev/podgc-test"

// releasePod drops the test finalizer so the pod can go.
func releasePod(t *testing.T, ns, name string) {
	t.Helper()
	_, err := cs.CoreV1().Pods(ns).Patch(context.Background(), name, types.JSONPatchType,
		[]byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("remove finalizer of %s: %v", name, err)
	}
}

// TestPodGCOrphanedPod binds a pod to a node that does not exist: after
// the quarantine the pod GC marks it Failed with DisruptionTarget
// DeletionByPodGC and deletes it (a finalizer keeps it visible).
func TestPodGCOrphanedPod(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "podgc")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Finalizers: []string{testFinalizer}},
		Spec: corev1.PodSpec{NodeName: "no-such-node", Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releasePod(t, ns, "orphan") })
	eventually(t, "orphan deleted by the pod GC", func(ctx context.Context) (bool, string, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		done := p.DeletionTimestamp != nil && p.Status.Phase == corev1.PodFailed && hasCondition(*p, corev1.DisruptionTarget, "DeletionByPodGC")
		return done, fmt.Sprintf("deleting %v phase %s conditions %v", p.DeletionTimestamp != nil, p.Status.Phase, p.Status.Conditions), nil
	})
}

// TestPodGCUnscheduledTerminatingPod deletes a pod that was never
// scheduled: the pod GC marks it Failed and force-deletes it.
func TestPodGCUnscheduledTerminatingPod(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "podgc")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "unscheduled", Finalizers: []string{testFinalizer}},
		Spec: corev1.PodSpec{NodeSelector: map[string]string{"no-such-label": "x"}, Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releasePod(t, ns, "unscheduled") })
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "unscheduled", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "unscheduled terminating pod marked Failed", func(ctx context.Context) (bool, string, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "unscheduled", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return p.Status.Phase == corev1.PodFailed, "phase " + string(p.Status.Phase), nil
	})
}
