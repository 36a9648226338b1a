package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNamespaceDeletion: deleting a namespace removes its content, holds the
// namespace Terminating while an object with a finalizer stays, shows that
// in the conditions, and removes the namespace once the finalizer goes.
func TestNamespaceDeletion(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "nsdel")
	for i := 0; i < 3; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}}
		if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	held := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, held, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "content deleted, namespace held by the finalizer", func(ctx context.Context) (bool, string, error) {
		got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		remaining := condition(got, corev1.NamespaceContentRemaining)
		fins := condition(got, corev1.NamespaceFinalizersRemaining)
		state := fmt.Sprintf("phase %s, %d configmaps, %d pods, remaining %+v, finalizers %+v",
			got.Status.Phase, len(cms.Items), len(pods.Items), remaining, fins)
		return got.Status.Phase == corev1.NamespaceTerminating && len(cms.Items) == 0 && len(pods.Items) == 0 &&
			remaining.Status == corev1.ConditionTrue && fins.Status == corev1.ConditionTrue &&
			fins.Message == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances", state, nil
	})
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, "held", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Finalizers = nil
	if _, err := cs.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "namespace gone", func(ctx context.Context) (bool, string, error) {
		got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, fmt.Sprintf("phase %s, spec finalizers %v, conditions %+v", got.Status.Phase, got.Spec.Finalizers, got.Status.Conditions), nil
	})
}

func condition(ns *corev1.Namespace, t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range ns.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NamespaceCondition{}
}
