package deployment

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

var (
	older = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	newer = metav1.NewTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
)

// TestProportionalSizes follows upstream's TestScale cases of the
// deployment controller (a Deployment resized from its annotated size to
// replicas while two or more ReplicaSets are active, maxSurge 0 unless
// named), plus leftovers, scale to zero and a missing annotation.
func TestProportionalSizes(t *testing.T) {
	set := func(name string, spec, maxR int32, created metav1.Time) sized {
		return sized{name: name, spec: spec, maxReplicas: maxR, hasMax: true, created: created}
	}
	tests := []struct {
		name                      string
		replicas, surge, statusRe int32
		sets                      []sized
		want                      []int32
	}{
		{name: "proportional scaling: 5 -> 10", replicas: 10,
			sets: []sized{set("new", 2, 5, newer), set("old", 3, 5, older)}, want: []int32{4, 6}},
		{name: "proportional scaling: 5 -> 3", replicas: 3,
			sets: []sized{set("new", 2, 5, newer), set("old", 3, 5, older)}, want: []int32{1, 2}},
		{name: "proportional scaling: 9 -> 4", replicas: 4,
			sets: []sized{set("new", 8, 9, newer), set("old", 1, 9, older)}, want: []int32{4, 0}},
		{name: "proportional scaling: 7 -> 10", replicas: 10,
			sets: []sized{set("new", 2, 7, newer), set("mid", 3, 7, older), set("old", 2, 7, metav1.NewTime(older.Add(-time.Hour)))},
			want: []int32{3, 4, 3}},
		{name: "proportional scaling: 13 -> 8", replicas: 8,
			sets: []sized{set("new", 2, 13, newer), set("mid", 8, 13, older), set("old", 3, 13, metav1.NewTime(older.Add(-time.Hour)))},
			want: []int32{1, 5, 2}},
		{name: "leftover distribution: 3 -> 4 goes to the newer of equal sets", replicas: 4,
			sets: []sized{set("new", 1, 3, newer), set("mid", 1, 3, older), set("old", 1, 3, metav1.NewTime(older.Add(-time.Hour)))},
			want: []int32{2, 1, 1}},
		{name: "leftover distribution: 6 -> 10", replicas: 10,
			sets: []sized{set("new", 2, 6, newer), set("old", 4, 6, older)}, want: []int32{3, 7}},
		{name: "leftover distribution: 10 -> 6 takes from the older of equal sets", replicas: 6,
			sets: []sized{set("new", 5, 10, newer), set("old", 5, 10, older)}, want: []int32{3, 3}},
		{name: "with surge: 10+3 -> 20+5, rollout keeps its room", replicas: 20, surge: 5,
			sets: []sized{set("new", 6, 13, newer), set("old", 7, 13, older)}, want: []int32{12, 13}},
		{name: "scale to zero", replicas: 0,
			sets: []sized{set("new", 2, 5, newer), set("old", 3, 5, older)}, want: []int32{0, 0}},
		{name: "no annotation: status replicas stand in", replicas: 10, statusRe: 5,
			sets: []sized{{name: "new", spec: 2, created: newer}, {name: "old", spec: 3, created: older}}, want: []int32{4, 6}},
		{name: "already at size", replicas: 5,
			sets: []sized{set("new", 2, 5, newer), set("old", 3, 5, older)}, want: []int32{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := proportionalSizes(tt.replicas, tt.surge, tt.statusRe, tt.sets)
			if !slices.Equal(got, tt.want) {
				t.Errorf("proportionalSizes(%d+%d, %+v) = %v; want %v", tt.replicas, tt.surge, tt.sets, got, tt.want)
			}
		})
	}
}

func replicaSet(name string, spec, desired int32, created metav1.Time) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: created,
			Annotations: map[string]string{desiredReplicasAnnotation: strconv.Itoa(int(desired)), maxReplicasAnnotation: strconv.Itoa(int(desired))}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &spec},
	}
}

func TestScalingEvent(t *testing.T) {
	d := func(n int32) *appsv1.Deployment { return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: &n}} }
	tests := []struct {
		name string
		d    *appsv1.Deployment
		rss  []*appsv1.ReplicaSet
		want bool
	}{
		{"rollout at the same size", d(5), []*appsv1.ReplicaSet{replicaSet("a", 3, 5, older), replicaSet("b", 3, 5, newer)}, false},
		{"resized", d(10), []*appsv1.ReplicaSet{replicaSet("a", 3, 5, older), replicaSet("b", 3, 5, newer)}, true},
		{"inactive sets do not count", d(10), []*appsv1.ReplicaSet{replicaSet("a", 0, 5, older), replicaSet("b", 10, 10, newer)}, false},
		{"no annotation does not count", d(10), []*appsv1.ReplicaSet{{Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(3))}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scalingEvent(tt.d, tt.rss); got != tt.want {
				t.Errorf("scalingEvent(%d replicas) = %v; want %v", *tt.d.Spec.Replicas, got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestResizeEvents checks that a resize during a rollout scales both
// ReplicaSets proportionally and writes upstream's ScalingReplicaSet
// events.
func TestResizeEvents(t *testing.T) {
	surge, unavailable := intstr.FromInt32(0), intstr.FromInt32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(10)), Strategy: appsv1.DeploymentStrategy{
			Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}},
	}
	oldRS, newRS := replicaSet("web-old", 3, 5, older), replicaSet("web-new", 2, 5, newer)
	client := fake.NewClientset([]runtime.Object{oldRS, newRS}...)
	rec := record.NewFakeRecorder(10)
	r := &Reconciler{client: client, recorder: rec}
	scaled, err := r.resize(context.Background(), d, newRS, []*appsv1.ReplicaSet{oldRS}, 0)
	if err != nil || !scaled {
		t.Fatalf("resize = %v, %v; want true, nil", scaled, err)
	}
	for name, want := range map[string]int32{"web-old": 6, "web-new": 4} {
		rs, err := client.AppsV1().ReplicaSets("ns").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *rs.Spec.Replicas != want || rs.Annotations[desiredReplicasAnnotation] != "10" || rs.Annotations[maxReplicasAnnotation] != "10" {
			t.Errorf("%s: %d replicas, annotations %v; want %d and desired/max 10", name, *rs.Spec.Replicas, rs.Annotations, want)
		}
	}
	close(rec.Events)
	var events []string
	for e := range rec.Events {
		events = append(events, e)
	}
	slices.Sort(events)
	want := []string{
		"Normal ScalingReplicaSet Scaled up replica set web-new to 4 from 2",
		"Normal ScalingReplicaSet Scaled up replica set web-old to 6 from 3",
	}
	if strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Errorf("events = %q; want %q", events, want)
	}
}
