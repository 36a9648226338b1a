package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// TestSchedulingGates: a pod with scheduling gates is not scheduled (nor
// bound by hand) and shows PodScheduled=False SchedulingGated until its
// last gate is removed; gates cannot be added; then it is scheduled.
func TestSchedulingGates(t *testing.T) {
	cs := startServer(t)
	ctx := context.Background()
	createNode(t, cs, node("worker", "8", nil))
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	p := pod("gated", "100m", nil)
	p.Spec.SchedulingGates = []v1.PodSchedulingGate{{Name: "example.com/quota"}, {Name: "example.com/ready"}}
	got, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := v1.PodCondition{Type: v1.PodScheduled, Status: v1.ConditionFalse, Reason: v1.PodReasonSchedulingGated,
		Message: "Scheduling is blocked due to non-empty scheduling gates"}
	if len(got.Status.Conditions) != 1 || got.Status.Conditions[0] != want {
		t.Errorf("created gated pod conditions %+v; want %+v", got.Status.Conditions, want)
	}
	// Another pod, ungated, is scheduled: the scheduler runs.
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("free", "100m", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "ungated pod bound", func() (bool, string) {
		f, err := cs.CoreV1().Pods("default").Get(ctx, "free", metav1.GetOptions{})
		return err == nil && f.Spec.NodeName != "", fmt.Sprint(err)
	})
	time.Sleep(300 * time.Millisecond)
	g, err := cs.CoreV1().Pods("default").Get(ctx, "gated", metav1.GetOptions{})
	if err != nil || g.Spec.NodeName != "" {
		t.Fatalf("gated pod: %v, node %q; want it unscheduled", err, g.Spec.NodeName)
	}
	// Not even attempted: no scheduler condition or event replaces the
	// gate's.
	if len(g.Status.Conditions) != 1 || g.Status.Conditions[0] != want {
		t.Errorf("gated pod conditions %+v; want only %+v", g.Status.Conditions, want)
	}
	evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=gated"})
	if err != nil || len(evs.Items) != 0 {
		t.Errorf("events of the gated pod: %v, %+v; want none", err, evs)
	}
	// The server's /metrics has the scheduler's: the gated pod counted
	// apart, the free one's attempt.
	wantMetrics(t, cs, `scheduler_pending_pods{queue="gated"} 1`, `scheduler_pending_pods{queue="active"} 0`,
		`scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 1`,
		`scheduler_pod_scheduling_attempts_count 1`)
	b := &v1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "gated"}, Target: v1.ObjectReference{Kind: "Node", Name: "worker"}}
	if err := cs.CoreV1().Pods("default").Bind(ctx, b, metav1.CreateOptions{}); !apierrors.IsInternalError(err) {
		t.Errorf("binding a gated pod: %v; want upstream's 500 (non-empty .spec.schedulingGates)", err)
	}
	// Adding a gate is forbidden; removing one leaves the pod gated.
	add := []byte(`{"spec":{"schedulingGates":[{"name":"example.com/quota"},{"name":"example.com/ready"},{"name":"more"}]}}`)
	if _, err := cs.CoreV1().Pods("default").Patch(ctx, "gated", types.MergePatchType, add, metav1.PatchOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("adding a gate: %v; want 422", err)
	}
	one := []byte(`{"spec":{"schedulingGates":[{"name":"example.com/ready"}]}}`)
	if _, err := cs.CoreV1().Pods("default").Patch(ctx, "gated", types.MergePatchType, one, metav1.PatchOptions{}); err != nil {
		t.Fatalf("removing a gate: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if g, err := cs.CoreV1().Pods("default").Get(ctx, "gated", metav1.GetOptions{}); err != nil || g.Spec.NodeName != "" {
		t.Fatalf("pod with one gate left: %v, node %q; want it unscheduled", err, g.Spec.NodeName)
	}
	none := []byte(`{"spec":{"schedulingGates":null}}`)
	if _, err := cs.CoreV1().Pods("default").Patch(ctx, "gated", types.MergePatchType, none, metav1.PatchOptions{}); err != nil {
		t.Fatalf("removing the last gate: %v", err)
	}
	poll(t, "pod bound once ungated", func() (bool, string) {
		g, err := cs.CoreV1().Pods("default").Get(ctx, "gated", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range g.Status.Conditions {
			if c.Type == v1.PodScheduled && c.Status == v1.ConditionTrue && g.Spec.NodeName == "worker" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("node %q conditions %+v", g.Spec.NodeName, g.Status.Conditions)
	})
	wantMetrics(t, cs, `scheduler_pending_pods{queue="gated"} 0`,
		`scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 2`,
		`scheduler_pod_scheduling_sli_duration_seconds_count{attempts="1"} 2`,
		`scheduler_framework_extension_point_duration_seconds_count{extension_point="PreFilter",profile="default-scheduler",status="Success"} 2`,
		`scheduler_framework_extension_point_duration_seconds_count{extension_point="Bind",profile="default-scheduler",status="Success"} 2`)
}

// wantMetrics waits until the server's /metrics has each line (a bind's
// metrics are recorded just after the pod shows bound).
func wantMetrics(t *testing.T, cs kubernetes.Interface, lines ...string) {
	t.Helper()
	poll(t, "scheduler metrics", func() (bool, string) {
		body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
		if err != nil {
			return false, err.Error()
		}
		for _, l := range lines {
			if !strings.Contains(string(body), "\n"+l+"\n") {
				return false, fmt.Sprintf("no %q in:\n%s", l, schedulerLines(string(body)))
			}
		}
		return true, ""
	})
}

func schedulerLines(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "scheduler_") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
