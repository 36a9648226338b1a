package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newDaemonSet(name, image string) *appsv1.DaemonSet {
	one := intstr.FromInt32(1)
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

// daemonPodsByNode lists the live pods of ns by node name.
func daemonPodsByNode(ctx context.Context, ns string) (map[string][]corev1.Pod, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string][]corev1.Pod{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
		}
	}
	return out, nil
}

// waitDaemonSet waits until ds reports desired nodes all updated and
// available (what kubectl rollout status waits for) and one pod on each
// of nodes; check runs at every look.
func waitDaemonSet(t *testing.T, ns, name string, nodes []string, check func(*appsv1.DaemonSet, map[string][]corev1.Pod)) *appsv1.DaemonSet {
	t.Helper()
	var ds *appsv1.DaemonSet
	eventually(t, fmt.Sprintf("daemonset %s on %v", name, nodes), func(ctx context.Context) (bool, string, error) {
		var err error
		if ds, err = cs.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		byNode, err := daemonPodsByNode(ctx, ns)
		if err != nil {
			return false, "", err
		}
		if check != nil {
			check(ds, byNode)
		}
		var on []string
		for n, pods := range byNode {
			for range pods {
				on = append(on, n)
			}
		}
		sort.Strings(on)
		st, want := ds.Status, int32(len(nodes))
		return st.ObservedGeneration >= ds.Generation && st.DesiredNumberScheduled == want && st.CurrentNumberScheduled == want &&
				st.UpdatedNumberScheduled == want && st.NumberAvailable == want && st.NumberReady == want && st.NumberUnavailable == 0 &&
				st.NumberMisscheduled == 0 && strings.Join(on, ",") == strings.Join(nodes, ","),
			fmt.Sprintf("pods on %v, status %+v", on, st), nil
	})
	return ds
}

func patchNode(t *testing.T, name, patch string) {
	t.Helper()
	if _, err := cs.CoreV1().Nodes().Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch node %s: %v", name, err)
	}
}

func TestDaemonSetNodesTaintsAndRollingUpdate(t *testing.T) {
	startHollowNodes(t, "ds-a-", 3)
	ns := newNamespace(t, "ds")
	ctx := context.Background()
	if _, err := cs.AppsV1().DaemonSets(ns).Create(ctx, newDaemonSet("agent", "agent:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ds := waitDaemonSet(t, ns, "agent", []string{"ds-a-0", "ds-a-1", "ds-a-2"}, nil)
	byNode, err := daemonPodsByNode(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	for n, pods := range byNode {
		p := pods[0]
		terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Values[0] != n {
			t.Errorf("pod %s on %s: node affinity %+v; want metadata.name In [%s]", p.Name, n, terms, n)
		}
		if p.Labels["pod-template-generation"] != "1" || p.Labels[appsv1.ControllerRevisionHashLabelKey] == "" {
			t.Errorf("pod %s labels %v; want pod-template-generation 1 and a controller-revision-hash", p.Name, p.Labels)
		}
	}

	// A second agent joining gets its pod within seconds; a cordoned node
	// keeps its pod (daemon pods tolerate unschedulable).
	patchNode(t, "ds-a-1", `{"spec":{"unschedulable":true}}`)
	start := time.Now()
	startHollowNodes(t, "ds-b-", 1)
	waitDaemonSet(t, ns, "agent", []string{"ds-a-0", "ds-a-1", "ds-a-2", "ds-b-0"}, nil)
	t.Logf("new node got its daemon pod running %v after its agent started", time.Since(start).Round(time.Millisecond))

	// An untolerated NoExecute taint evicts; a nodeSelector narrows.
	patchNode(t, "ds-a-0", `{"spec":{"taints":[{"key":"dedicated","value":"db","effect":"NoExecute"}]}}`)
	waitDaemonSet(t, ns, "agent", []string{"ds-a-1", "ds-a-2", "ds-b-0"}, nil)

	// Roll with maxUnavailable 1: never more than one node without an
	// available pod.
	ds, err = cs.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Spec.Template.Spec.Containers[0].Image = "agent:2"
	if _, err := cs.AppsV1().DaemonSets(ns).Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	three := []string{"ds-a-1", "ds-a-2", "ds-b-0"}
	waitDaemonSet(t, ns, "agent", three, func(ds *appsv1.DaemonSet, _ map[string][]corev1.Pod) {
		if ds.Status.DesiredNumberScheduled == 3 && ds.Status.NumberAvailable < 2 {
			t.Errorf("numberAvailable %d during a maxUnavailable 1 roll of 3", ds.Status.NumberAvailable)
		}
	})

	// Roll with maxSurge 1: never more than one node with two pods.
	ds, err = cs.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &zero, MaxSurge: &one}
	ds.Spec.Template.Spec.Containers[0].Image = "agent:3"
	if _, err := cs.AppsV1().DaemonSets(ns).Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	sawSurge := false
	waitDaemonSet(t, ns, "agent", three, func(_ *appsv1.DaemonSet, byNode map[string][]corev1.Pod) {
		doubled := 0
		for _, pods := range byNode {
			if len(pods) > 1 {
				doubled++
			}
		}
		sawSurge = sawSurge || doubled > 0
		if doubled > 1 {
			t.Errorf("%d nodes with two daemon pods; want at most maxSurge 1", doubled)
		}
	})
	if !sawSurge {
		t.Logf("no surge observed (the roll was faster than the polls)")
	}
	revs, err := cs.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 3 {
		t.Errorf("controllerrevisions = %d, %v; want 3", len(revs.Items), err)
	}
	evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created, deleted := 0, 0
	for _, e := range evs.Items {
		if e.Source.Component == "daemonset-controller" && e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: agent-") {
			created++
		}
		if e.Source.Component == "daemonset-controller" && e.Reason == "SuccessfulDelete" && strings.HasPrefix(e.Message, "Deleted pod: agent-") {
			deleted++
		}
	}
	if created == 0 || deleted == 0 {
		t.Errorf("daemonset-controller events: %d SuccessfulCreate, %d SuccessfulDelete; want some of each", created, deleted)
	}
}
