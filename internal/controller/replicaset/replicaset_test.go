package replicaset

import (
	"errors"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "a"},
		CreationTimestamp: metav1.NewTime(t0)}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func on(node string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = node } }
func phase(ph corev1.PodPhase) podOpt {
	return func(p *corev1.Pod) { p.Status.Phase = ph }
}
func readySince(t time.Time) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t)}}
	}
}
func cost(c string) podOpt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{deletionCostAnnotation: c} }
}
func restarted(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}
func created(t time.Time) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t) }
}

func TestPodsToDelete(t *testing.T) {
	tests := []struct {
		name string
		pods []*corev1.Pod
		n    int
		want []string
	}{
		{name: "unassigned before assigned", n: 1,
			pods: []*corev1.Pod{pod("assigned", on("n1"), phase(corev1.PodPending)), pod("unassigned", phase(corev1.PodPending))},
			want: []string{"unassigned"}},
		{name: "pending before unknown before running", n: 2,
			pods: []*corev1.Pod{pod("running", on("n1"), phase(corev1.PodRunning)), pod("unknown", on("n2"), phase(corev1.PodUnknown)),
				pod("pending", on("n3"), phase(corev1.PodPending))},
			want: []string{"pending", "unknown"}},
		{name: "not ready before ready", n: 1,
			pods: []*corev1.Pod{pod("ready", on("n1"), readySince(t0)), pod("notready", on("n2"), phase(corev1.PodRunning))},
			want: []string{"notready"}},
		{name: "lower deletion cost first", n: 1,
			pods: []*corev1.Pod{pod("dear", on("n1"), readySince(t0), cost("100")), pod("cheap", on("n2"), readySince(t0), cost("-5"))},
			want: []string{"cheap"}},
		{name: "doubled up on a node first", n: 1,
			pods: []*corev1.Pod{pod("alone", on("n1"), readySince(t0)), pod("crowded", on("n2"), readySince(t0)), pod("crowded2", on("n2"), readySince(t0))},
			want: []string{"crowded"}},
		{name: "recently ready first", n: 1,
			pods: []*corev1.Pod{pod("old", on("n1"), readySince(t0)), pod("new", on("n2"), readySince(t0.Add(time.Minute)))},
			want: []string{"new"}},
		{name: "more restarts first", n: 1,
			pods: []*corev1.Pod{pod("calm", on("n1"), readySince(t0)), pod("flappy", on("n2"), readySince(t0), restarted(3))},
			want: []string{"flappy"}},
		{name: "younger first", n: 1,
			pods: []*corev1.Pod{pod("elder", on("n1"), phase(corev1.PodRunning)), pod("young", on("n2"), phase(corev1.PodRunning), created(t0.Add(time.Hour)))},
			want: []string{"young"}},
		{name: "all when n exceeds", n: 5, pods: []*corev1.Pod{pod("a"), pod("b")}, want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range podsToDelete(tt.pods, tt.n) {
				got = append(got, p.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("podsToDelete(%d) = %v; want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestSlowStartBatches(t *testing.T) {
	tests := []struct {
		name  string
		count int
		want  []int
	}{
		{name: "none", count: 0},
		{name: "one", count: 1, want: []int{1}},
		{name: "power of two minus one", count: 7, want: []int{1, 2, 4}},
		{name: "trimmed last batch", count: 10, want: []int{1, 2, 4, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slowStartBatches(tt.count); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("slowStartBatches(%d) = %v; want %v", tt.count, got, tt.want)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	now := t0.Add(time.Minute)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Generation: 4}, Spec: appsv1.ReplicaSetSpec{
		MinReadySeconds: 30,
		Template:        corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a", "tier": "web"}}},
	}}
	full := func(p *corev1.Pod) { p.Labels["tier"] = "web" }
	pods := []*corev1.Pod{
		pod("available", full, readySince(t0)),                   // ready for 60 s
		pod("fresh", full, readySince(now.Add(-10*time.Second))), // ready for 10 s
		pod("partial", readySince(t0)),                           // misses tier=web
		pod("pending", full, phase(corev1.PodPending)),
	}
	got := computeStatus(rs, pods, nil, "", now)
	want := appsv1.ReplicaSetStatus{Replicas: 4, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 2, ObservedGeneration: 4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("computeStatus() = %+v; want %+v", got, want)
	}
	if d := nextAvailableCheck(rs, pods, now); d != 21*time.Second {
		t.Errorf("nextAvailableCheck() = %v; want 21s", d)
	}
	failed := computeStatus(rs, nil, errors.New("pods \"x\" is forbidden: exceeded quota"), "FailedCreate", now)
	if len(failed.Conditions) != 1 || failed.Conditions[0].Type != appsv1.ReplicaSetReplicaFailure || failed.Conditions[0].Reason != "FailedCreate" {
		t.Errorf("computeStatus(error) conditions = %+v; want ReplicaFailure FailedCreate", failed.Conditions)
	}
	rs.Status.Conditions = failed.Conditions
	if cleared := computeStatus(rs, nil, nil, "", now); len(cleared.Conditions) != 0 {
		t.Errorf("computeStatus(no error) conditions = %+v; want ReplicaFailure removed", cleared.Conditions)
	}
}

// TestStatusOnly: only updates that leave labels, controller and deletion
// alone wait for podUpdateBatch.
func TestStatusOnly(t *testing.T) {
	yes := true
	owned := func(uid string) podOpt {
		return func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{UID: types.UID(uid), Name: uid, Controller: &yes}}
		}
	}
	base := pod("p", owned("rs-1"), phase(corev1.PodPending))
	cases := []struct {
		name string
		mod  func(*corev1.Pod)
		want bool
	}{
		{"phase", func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }, true},
		{"node", func(p *corev1.Pod) { p.Spec.NodeName = "n" }, true},
		{"label", func(p *corev1.Pod) { p.Labels = map[string]string{"app": "b"} }, false},
		{"owner", func(p *corev1.Pod) { owned("rs-2")(p) }, false},
		{"orphaned", func(p *corev1.Pod) { p.OwnerReferences = nil }, false},
		{"deleted", func(p *corev1.Pod) { now := metav1.NewTime(t0); p.DeletionTimestamp = &now }, false},
	}
	for _, tc := range cases {
		n := base.DeepCopy()
		tc.mod(n)
		if got := statusOnly(base, n); got != tc.want {
			t.Errorf("%s: statusOnly = %v; want %v", tc.name, got, tc.want)
		}
	}
}
