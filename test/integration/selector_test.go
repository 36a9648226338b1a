package integration

import (
	"reflect"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSelectors(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	pods := []struct {
		name, node, tier string
		phase            corev1.PodPhase
	}{
		{"p1", "node-a", "web", corev1.PodRunning},
		{"p2", "node-b", "db", corev1.PodPending},
		{"p3", "", "web", corev1.PodPending},
	}
	for _, p := range pods {
		pod := newPod(ns, p.name)
		pod.Spec.NodeName = p.node
		pod.Labels = map[string]string{"tier": p.tier}
		created, err := pc.Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.phase != corev1.PodPending {
			created.Status.Phase = p.phase
			if _, err := pc.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		opts metav1.ListOptions
		want []string
	}{
		{"spec.nodeName", metav1.ListOptions{FieldSelector: "spec.nodeName=node-a"}, []string{"p1"}},
		{"unscheduled", metav1.ListOptions{FieldSelector: "spec.nodeName="}, []string{"p3"}},
		{"not on node-a", metav1.ListOptions{FieldSelector: "spec.nodeName!=node-a"}, []string{"p2", "p3"}},
		{"status.phase", metav1.ListOptions{FieldSelector: "status.phase=Running"}, []string{"p1"}},
		{"phase and node", metav1.ListOptions{FieldSelector: "status.phase=Pending,spec.nodeName=node-b"}, []string{"p2"}},
		{"metadata.name", metav1.ListOptions{FieldSelector: "metadata.name=p2"}, []string{"p2"}},
		{"label equality", metav1.ListOptions{LabelSelector: "tier=web"}, []string{"p1", "p3"}},
		{"label set", metav1.ListOptions{LabelSelector: "tier in (db,cache)"}, []string{"p2"}},
		{"label absent", metav1.ListOptions{LabelSelector: "!tier"}, nil},
		{"label and field", metav1.ListOptions{LabelSelector: "tier=web", FieldSelector: "status.phase=Pending"}, []string{"p3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := pc.List(ctx, tc.opts)
			if err != nil {
				t.Fatalf("list %+v: %v", tc.opts, err)
			}
			got := listNames(t, list)
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("list label %q field %q = %v; want %v", tc.opts.LabelSelector, tc.opts.FieldSelector, got, tc.want)
			}
		})
	}
	// Across namespaces too, and an unsupported field is 400.
	all, err := shared.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.namespace=" + ns + ",spec.nodeName=node-b"})
	if err != nil {
		t.Fatal(err)
	}
	if got := listNames(t, all); len(got) != 1 || got[0] != "p2" {
		t.Errorf("all-namespace list by namespace and node = %v; want [p2]", got)
	}
	if _, err := pc.List(ctx, metav1.ListOptions{FieldSelector: "spec.containers=x"}); !apierrors.IsBadRequest(err) {
		t.Errorf("list by unsupported field: err %v; want 400 BadRequest", err)
	}
	if _, err := pc.List(ctx, metav1.ListOptions{LabelSelector: "tier in (("}); !apierrors.IsBadRequest(err) {
		t.Errorf("list by malformed label selector: err %v; want 400 BadRequest", err)
	}
}
