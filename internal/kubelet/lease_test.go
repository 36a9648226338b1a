package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testclock "k8s.io/utils/clock/testing"
)

var metav1Now = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

func testPod(policy corev1.RestartPolicy) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"},
		Spec: corev1.PodSpec{
			NodeName: "n1", RestartPolicy: policy,
			Containers: []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}
}

// TestLeaseTiming drives a fake clock through a minute and checks the
// renewals leaseDue asks for: every 10 s.
func TestLeaseTiming(t *testing.T) {
	clk := testclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := clk.Now()
	var last time.Time
	var renewals []time.Duration
	for range 61 {
		if leaseDue(last, clk.Now(), DefaultLeaseRenewInterval) {
			last = clk.Now()
			renewals = append(renewals, clk.Now().Sub(start))
		}
		clk.Step(time.Second)
	}
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second, 60 * time.Second}
	if len(renewals) != len(want) {
		t.Fatalf("renewals at %v; want %v", renewals, want)
	}
	for i := range want {
		if renewals[i] != want[i] {
			t.Errorf("renewal %d at %s; want %s", i, renewals[i], want[i])
		}
	}
}

func TestRenewLease(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC)
	l := renewLease(nil, "n1", "node-uid", DefaultLeaseDuration, now)
	if l.Namespace != NodeLeaseNamespace || l.Name != "n1" {
		t.Errorf("lease = %s/%s; want %s/n1", l.Namespace, l.Name, NodeLeaseNamespace)
	}
	if got := *l.Spec.HolderIdentity; got != "n1" {
		t.Errorf("holderIdentity = %q; want n1", got)
	}
	if got := *l.Spec.LeaseDurationSeconds; got != 40 {
		t.Errorf("leaseDurationSeconds = %d; want 40", got)
	}
	if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].Kind != "Node" || l.OwnerReferences[0].UID != "node-uid" {
		t.Errorf("ownerReferences = %v; want the Node", l.OwnerReferences)
	}
	later := now.Add(10 * time.Second)
	l2 := renewLease(l, "n1", "node-uid", DefaultLeaseDuration, later)
	if !l2.Spec.RenewTime.Time.Equal(later) || !l.Spec.RenewTime.Time.Equal(now) {
		t.Errorf("renewTime = %v (old %v); want %v (old unchanged %v)", l2.Spec.RenewTime, l.Spec.RenewTime, later, now)
	}
}

func TestNodeStatusDue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		last    time.Time
		now     time.Time
		changed bool
		want    bool
	}{
		{"never reported", time.Time{}, t0, false, true},
		{"unchanged, 1 min", t0, t0.Add(time.Minute), false, false},
		{"unchanged, 5 min", t0, t0.Add(5 * time.Minute), false, true},
		{"changed, 1 s", t0, t0.Add(time.Second), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nodeStatusDue(tt.last, tt.now, DefaultStatusReportInterval, tt.changed); got != tt.want {
				t.Errorf("nodeStatusDue(%v, %v, changed %v) = %v; want %v", tt.last, tt.now, tt.changed, got, tt.want)
			}
		})
	}
}

func TestNodeConditions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := nodeConditions(nil, nodeHealth{RuntimeReady: true}, t0)
	want := map[corev1.NodeConditionType][2]string{
		corev1.NodeReady:          {"True", "KubeletReady"},
		corev1.NodeMemoryPressure: {"False", "KubeletHasSufficientMemory"},
		corev1.NodeDiskPressure:   {"False", "KubeletHasNoDiskPressure"},
		corev1.NodePIDPressure:    {"False", "KubeletHasSufficientPID"},
	}
	if len(first) != len(want) {
		t.Fatalf("conditions = %v; want 4", first)
	}
	for _, c := range first {
		if w := want[c.Type]; string(c.Status) != w[0] || c.Reason != w[1] {
			t.Errorf("condition %s = %s/%s; want %s/%s", c.Type, c.Status, c.Reason, w[0], w[1])
		}
	}
	t1 := t0.Add(time.Minute)
	second := nodeConditions(first, nodeHealth{RuntimeReady: true, DiskPressure: true}, t1)
	for _, c := range second {
		wantTransition := t0
		if c.Type == corev1.NodeDiskPressure {
			wantTransition = t1
		}
		if !c.LastHeartbeatTime.Time.Equal(t1) || !c.LastTransitionTime.Time.Equal(wantTransition) {
			t.Errorf("condition %s heartbeat %v transition %v; want %v and %v", c.Type, c.LastHeartbeatTime, c.LastTransitionTime, t1, wantTransition)
		}
	}
	if !nodeStatusChanged(corev1.NodeStatus{Conditions: first}, corev1.NodeStatus{Conditions: second}) {
		t.Errorf("nodeStatusChanged on disk pressure = false; want true")
	}
	if nodeStatusChanged(corev1.NodeStatus{Conditions: first}, corev1.NodeStatus{Conditions: nodeConditions(first, nodeHealth{RuntimeReady: true}, t1)}) {
		t.Errorf("nodeStatusChanged on a heartbeat alone = true; want false")
	}
}

// TestNodeStatusChangedResourcesAndAddresses: quantities compare by value
// (1000m is 1), a quantity or resource more or less is a change, and so is
// an address; an empty list is no list.
func TestNodeStatusChangedResourcesAndAddresses(t *testing.T) {
	q := resource.MustParse
	base := corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("1"), corev1.ResourceMemory: q("1Gi")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("1")},
		Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.2"}},
	}
	tests := []struct {
		name    string
		mutate  func(*corev1.NodeStatus)
		changed bool
	}{
		{"a copy", func(*corev1.NodeStatus) {}, false},
		{"1000m for 1", func(s *corev1.NodeStatus) { s.Capacity[corev1.ResourceCPU] = q("1000m") }, false},
		{"more cpu", func(s *corev1.NodeStatus) { s.Capacity[corev1.ResourceCPU] = q("2") }, true},
		{"a resource less", func(s *corev1.NodeStatus) { delete(s.Allocatable, corev1.ResourceCPU) }, true},
		{"a resource instead of another", func(s *corev1.NodeStatus) {
			s.Allocatable = corev1.ResourceList{corev1.ResourcePods: q("1")}
		}, true},
		{"another address", func(s *corev1.NodeStatus) { s.Addresses[0].Address = "127.0.0.3" }, true},
		{"no addresses", func(s *corev1.NodeStatus) { s.Addresses = nil }, true},
	}
	for _, tt := range tests {
		s := *base.DeepCopy()
		tt.mutate(&s)
		if got := nodeStatusChanged(base, s); got != tt.changed {
			t.Errorf("%s: nodeStatusChanged = %v; want %v", tt.name, got, tt.changed)
		}
	}
	empty, none := corev1.NodeStatus{Addresses: []corev1.NodeAddress{}, Capacity: corev1.ResourceList{}}, corev1.NodeStatus{}
	if nodeStatusChanged(empty, none) {
		t.Errorf("empty lists against none: changed; want unchanged")
	}
}
