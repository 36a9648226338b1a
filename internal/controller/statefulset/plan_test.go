package statefulset

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// st builds a pod of set "web" at ordinal ord: "h" healthy, "u" running
// but not ready, "p" pending, "t" terminating, "f" failed, "r" ready for
// 10 s only; rev is its revision.
func st(ord int, state, rev string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: podName("web", ord), UID: types.UID("u" + strconv.Itoa(ord)),
		Labels: map[string]string{revisionLabel: rev, podIndexLabel: strconv.Itoa(ord)}}}
	ready := func(since time.Time) {
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(since)}}
	}
	switch state {
	case "h":
		ready(t0.Add(-time.Hour))
	case "r":
		ready(t0.Add(-10 * time.Second))
	case "u":
		p.Status.Phase = corev1.PodRunning
	case "p":
		p.Status.Phase = corev1.PodPending
	case "t":
		ready(t0.Add(-time.Hour))
		p.DeletionTimestamp = &metav1.Time{Time: t0}
	case "f":
		p.Status.Phase = corev1.PodFailed
	}
	return p
}

func pods(ps ...*corev1.Pod) map[int]*corev1.Pod {
	m := map[int]*corev1.Pod{}
	for _, p := range ps {
		m[ordinalOf("web", p.Name)] = p
	}
	return m
}

func podNames(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		in          planInput
		wantCreate  []int
		wantDelete  []string // recreate + condemn + update, in that order
		wantRecheck time.Duration
	}{
		{name: "ordered creates the first missing ordinal only",
			in: planInput{replicas: 3, ordered: true, pods: pods()}, wantCreate: []int{0}},
		{name: "ordered waits for a pending pod",
			in: planInput{replicas: 3, ordered: true, pods: pods(st(0, "p", "v1"))}},
		{name: "ordered waits for ready but unavailable pod and rechecks",
			in:          planInput{replicas: 3, ordered: true, minReady: 30 * time.Second, pods: pods(st(0, "r", "v1"))},
			wantRecheck: 20 * time.Second},
		{name: "ordered creates the next once the previous is healthy",
			in: planInput{replicas: 3, ordered: true, pods: pods(st(0, "h", "v1"))}, wantCreate: []int{1}},
		{name: "parallel creates every missing ordinal",
			in: planInput{replicas: 3, pods: pods(st(1, "p", "v1"))}, wantCreate: []int{0, 2}},
		{name: "ordinals start at spec.ordinals.start",
			in: planInput{start: 5, replicas: 2, pods: pods()}, wantCreate: []int{5, 6}},
		{name: "a failed pod is recreated",
			in: planInput{replicas: 2, ordered: true, pods: pods(st(0, "f", "v1"), st(1, "h", "v1"))}, wantDelete: []string{"web-0"}},
		{name: "ordered scale down deletes the highest ordinal first, one at a time",
			in:         planInput{replicas: 1, ordered: true, pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"))},
			wantDelete: []string{"web-2"}},
		{name: "ordered scale down waits for a terminating pod",
			in: planInput{replicas: 1, ordered: true, pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "t", "v1"))}},
		{name: "ordered scale down deletes a healthy pod above an unhealthy one",
			in:         planInput{replicas: 1, ordered: true, pods: pods(st(0, "h", "v1"), st(1, "u", "v1"), st(2, "h", "v1"))},
			wantDelete: []string{"web-2"}},
		{name: "ordered scale down blocked while a lower condemned pod is unhealthy",
			in: planInput{replicas: 1, ordered: true, pods: pods(st(0, "h", "v1"), st(1, "u", "v1"), st(2, "p", "v1"))}},
		{name: "ordered scale down deletes the first unhealthy pod",
			in:         planInput{replicas: 1, ordered: true, pods: pods(st(0, "h", "v1"), st(1, "u", "v1"))},
			wantDelete: []string{"web-1"}},
		{name: "parallel scale down deletes all condemned at once",
			in:         planInput{replicas: 1, pods: pods(st(0, "h", "v1"), st(1, "u", "v1"), st(2, "h", "v1"))},
			wantDelete: []string{"web-2", "web-1"}},
		{name: "rolling update replaces the highest outdated ordinal",
			in:         planInput{replicas: 3, ordered: true, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"))},
			wantDelete: []string{"web-2"}},
		{name: "rolling update waits for the replacement to be healthy",
			in: planInput{replicas: 3, ordered: true, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "u", "v2"))}},
		{name: "rolling update goes on below an updated healthy pod",
			in:         planInput{replicas: 3, ordered: true, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v2"))},
			wantDelete: []string{"web-1"}},
		{name: "partition stops the rolling update",
			in: planInput{replicas: 3, partition: 2, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v2"))}},
		{name: "maxUnavailable replaces several at once",
			in:         planInput{replicas: 4, maxUnavailable: 2, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"), st(3, "h", "v1"))},
			wantDelete: []string{"web-3", "web-2"}},
		{name: "maxUnavailable counts unhealthy pods against the budget",
			in:         planInput{replicas: 4, maxUnavailable: 2, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"), st(3, "u", "v2"))},
			wantDelete: []string{"web-2"}},
		{name: "maxUnavailable exhausted waits",
			in: planInput{replicas: 4, maxUnavailable: 1, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"), st(3, "p", "v2"))}},
		{name: "maxUnavailable with a partition",
			in:         planInput{replicas: 4, maxUnavailable: 3, partition: 2, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"), st(2, "h", "v1"), st(3, "h", "v1"))},
			wantDelete: []string{"web-3", "web-2"}},
		{name: "OnDelete never replaces",
			in: planInput{replicas: 2, onDelete: true, updateRevision: "v2", pods: pods(st(0, "h", "v1"), st(1, "h", "v1"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.now = t0
			if tt.in.updateRevision == "" {
				tt.in.updateRevision = "v1"
			}
			got := decide(tt.in)
			if !reflect.DeepEqual(got.create, tt.wantCreate) {
				t.Errorf("decide().create = %v; want %v", got.create, tt.wantCreate)
			}
			del := podNames(append(append(append([]*corev1.Pod(nil), got.recreate...), got.condemn...), got.update...))
			if !reflect.DeepEqual(del, tt.wantDelete) {
				t.Errorf("decide() deletes %v; want %v", del, tt.wantDelete)
			}
			if got.recheck != tt.wantRecheck {
				t.Errorf("decide().recheck = %v; want %v", got.recheck, tt.wantRecheck)
			}
		})
	}
}

func TestClaimOwners(t *testing.T) {
	set := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "set"}, Spec: appsv1.StatefulSetSpec{Replicas: new(int32(2))}}
	pod := st(3, "h", "v1")
	other := metav1.OwnerReference{Kind: "Thing", Name: "x", UID: "other"}
	tests := []struct {
		name                    string
		whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType
		ord                     int
		want                    []types.UID
	}{
		{name: "retain retain owns nothing", whenDeleted: "Retain", whenScaled: "Retain", ord: 0, want: []types.UID{"other"}},
		{name: "whenDeleted Delete: the set owns", whenDeleted: "Delete", whenScaled: "Retain", ord: 0, want: []types.UID{"other", "set"}},
		{name: "whenDeleted Delete: the set owns scaled-down claims too", whenDeleted: "Delete", whenScaled: "Retain", ord: 3, want: []types.UID{"other", "set"}},
		{name: "whenScaled Delete: the pod owns once condemned", whenDeleted: "Retain", whenScaled: "Delete", ord: 3, want: []types.UID{"other", "u3"}},
		{name: "whenScaled Delete: nothing while in range", whenDeleted: "Retain", whenScaled: "Delete", ord: 1, want: []types.UID{"other"}},
		{name: "both Delete: the pod replaces the set when condemned", whenDeleted: "Delete", whenScaled: "Delete", ord: 3, want: []types.UID{"other", "u3"}},
		{name: "both Delete: the set while in range", whenDeleted: "Delete", whenScaled: "Delete", ord: 0, want: []types.UID{"other", "set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: tt.whenDeleted, WhenScaled: tt.whenScaled}
			cur := []metav1.OwnerReference{other, {Name: "web", UID: "set"}}
			var got []types.UID
			for _, r := range claimOwners(set, pod, tt.ord, cur) {
				got = append(got, r.UID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("claimOwners(%s/%s, ordinal %d) = %v; want %v", tt.whenDeleted, tt.whenScaled, tt.ord, got, tt.want)
			}
		})
	}
}

func TestOrdinalOf(t *testing.T) {
	tests := []struct {
		pod  string
		want int
	}{{"web-0", 0}, {"web-12", 12}, {"web-", -1}, {"web-01", -1}, {"web-x", -1}, {"db-1", -1}, {"web-1-2", -1}}
	for _, tt := range tests {
		if got := ordinalOf("web", tt.pod); got != tt.want {
			t.Errorf("ordinalOf(web, %q) = %d; want %d", tt.pod, got, tt.want)
		}
	}
}

func TestScaledMaxUnavailable(t *testing.T) {
	tests := []struct {
		v        intstr.IntOrString
		replicas int
		want     int
	}{{intstr.FromInt32(2), 5, 2}, {intstr.FromString("50%"), 5, 2}, {intstr.FromString("10%"), 5, 1}, {intstr.FromInt32(0), 3, 1}}
	for _, tt := range tests {
		if got := scaledMaxUnavailable(&tt.v, tt.replicas); got != tt.want {
			t.Errorf("scaledMaxUnavailable(%s, %d) = %d; want %d", tt.v.String(), tt.replicas, got, tt.want)
		}
	}
}
