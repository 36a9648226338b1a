package nodelifecycle

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func readyNode(heartbeat time.Time) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n", CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(heartbeat)},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: metav1.NewTime(heartbeat)},
		}},
	}
}

func lease(renew time.Time) *coordinationv1.Lease {
	t := metav1.NewMicroTime(renew)
	return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &t}}
}

// TestWhenNodeBecomesUnknown walks a node through observations and asks
// whether it is stale at the end.
func TestWhenNodeBecomesUnknown(t *testing.T) {
	const grace = 40 * time.Second
	type step struct {
		at    time.Duration // controller clock, from t0
		node  *corev1.Node
		lease *coordinationv1.Lease
	}
	tests := []struct {
		name      string
		steps     []step
		checkAt   time.Duration
		wantStale bool
	}{
		{name: "first sight starts the grace period",
			steps: []step{{0, readyNode(t0.Add(-time.Hour)), nil}}, checkAt: 39 * time.Second, wantStale: false},
		{name: "silent past the grace period",
			steps: []step{{0, readyNode(t0), lease(t0)}}, checkAt: 41 * time.Second, wantStale: true},
		{name: "lease renewals keep it healthy",
			steps:   []step{{0, readyNode(t0), lease(t0)}, {30 * time.Second, readyNode(t0), lease(t0.Add(30 * time.Second))}},
			checkAt: 60 * time.Second, wantStale: false},
		{name: "lease renewals stop",
			steps: []step{{0, readyNode(t0), lease(t0)}, {10 * time.Second, readyNode(t0), lease(t0.Add(10 * time.Second))},
				{30 * time.Second, readyNode(t0), lease(t0.Add(10 * time.Second))}},
			checkAt: 51 * time.Second, wantStale: true},
		{name: "a new status heartbeat counts without a lease",
			steps:   []step{{0, readyNode(t0), nil}, {35 * time.Second, readyNode(t0.Add(35 * time.Second)), nil}},
			checkAt: 70 * time.Second, wantStale: false},
		{name: "the object's clock does not matter, only changes",
			steps:   []step{{0, readyNode(t0.Add(time.Hour)), lease(t0.Add(time.Hour))}},
			checkAt: 41 * time.Second, wantStale: true},
		{name: "never posted status gets the startup grace",
			steps:   []step{{0, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}, nil}},
			checkAt: 50 * time.Second, wantStale: false},
		{name: "never posted status, past the startup grace",
			steps:   []step{{0, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}, nil}},
			checkAt: 61 * time.Second, wantStale: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *health
			var last *corev1.Node
			for _, s := range tt.steps {
				next := observe(h, s.node, s.lease, t0.Add(s.at))
				h, last = &next, s.node
			}
			got, _ := stale(last, h.probe, t0.Add(tt.checkAt), grace, 60*time.Second)
			if got != tt.wantStale {
				t.Errorf("stale at %s = %v (probe %s); want %v", tt.checkAt, got, h.probe.Sub(t0), tt.wantStale)
			}
		})
	}
}

func TestMarkUnknown(t *testing.T) {
	now := metav1.NewTime(t0)
	node := readyNode(t0.Add(-time.Minute))
	conds, changed := markUnknown(node, now)
	if !changed {
		t.Fatalf("markUnknown changed = false; want true")
	}
	want := map[corev1.NodeConditionType]string{
		corev1.NodeReady: reasonUnknown, corev1.NodeMemoryPressure: reasonUnknown,
		corev1.NodeDiskPressure: reasonNeverUpdated, corev1.NodePIDPressure: reasonNeverUpdated,
	}
	for _, c := range conds {
		if c.Status != corev1.ConditionUnknown {
			t.Errorf("condition %s status = %s; want Unknown", c.Type, c.Status)
		}
		if c.Reason != want[c.Type] {
			t.Errorf("condition %s reason = %s; want %s", c.Type, c.Reason, want[c.Type])
		}
		if c.Type == corev1.NodeReady {
			if c.Message != "Kubelet stopped posting node status." {
				t.Errorf("Ready message = %q", c.Message)
			}
			if !c.LastHeartbeatTime.Equal(&node.Status.Conditions[0].LastHeartbeatTime) {
				t.Errorf("Ready heartbeat = %s; want it kept at %s", c.LastHeartbeatTime, node.Status.Conditions[0].LastHeartbeatTime)
			}
		}
	}
	if len(conds) != 4 {
		t.Errorf("got %d conditions; want 4", len(conds))
	}
	node.Status.Conditions = conds
	if _, changed := markUnknown(node, metav1.NewTime(t0.Add(time.Minute))); changed {
		t.Errorf("markUnknown of an Unknown node changed = true; want false")
	}
	if node.Status.Conditions[0].Status != corev1.ConditionUnknown || readyNode(t0).Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Errorf("markUnknown modified its input")
	}
}
