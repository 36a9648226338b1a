package disruption

import (
	"errors"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func TestExpectAndDisruptionsAllowed(t *testing.T) {
	num, pct := intstr.FromInt32, intstr.FromString
	tests := []struct {
		name        string
		spec        policyv1.PodDisruptionBudgetSpec
		pods        int
		scale       int32
		healthy     int32
		want        expectation
		wantAllowed int32
	}{
		{name: "minAvailable number uses the pod count", spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(num(2))},
			pods: 3, scale: 99, healthy: 3, want: expectation{expectedCount: 3, desiredHealthy: 2}, wantAllowed: 1},
		{name: "minAvailable number not met", spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(num(2))},
			pods: 3, healthy: 2, want: expectation{expectedCount: 3, desiredHealthy: 2}, wantAllowed: 0},
		{name: "minAvailable percentage rounds up", spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(pct("50%"))},
			pods: 3, scale: 3, healthy: 3, want: expectation{expectedCount: 3, desiredHealthy: 2}, wantAllowed: 1},
		{name: "minAvailable 100%", spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(pct("100%"))},
			pods: 4, scale: 4, healthy: 4, want: expectation{expectedCount: 4, desiredHealthy: 4}, wantAllowed: 0},
		{name: "maxUnavailable number", spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(num(1))},
			pods: 5, scale: 5, healthy: 5, want: expectation{expectedCount: 5, desiredHealthy: 4}, wantAllowed: 1},
		{name: "maxUnavailable percentage rounds up", spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(pct("30%"))},
			pods: 5, scale: 5, healthy: 5, want: expectation{expectedCount: 5, desiredHealthy: 3}, wantAllowed: 2},
		{name: "maxUnavailable above scale floors at zero", spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(num(10))},
			pods: 2, scale: 2, healthy: 2, want: expectation{expectedCount: 2, desiredHealthy: 0}, wantAllowed: 2},
		{name: "maxUnavailable with a pod down", spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(num(1))},
			pods: 3, scale: 3, healthy: 2, want: expectation{expectedCount: 3, desiredHealthy: 2}, wantAllowed: 0},
		{name: "no pods expected allows nothing", spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(num(0))},
			pods: 0, healthy: 0, want: expectation{}, wantAllowed: 0},
		{name: "scale larger than the pods", spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(pct("25%"))},
			pods: 2, scale: 8, healthy: 2, want: expectation{expectedCount: 8, desiredHealthy: 6}, wantAllowed: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expect(tt.spec, tt.pods, func() (int32, error) { return tt.scale, nil })
			if err != nil {
				t.Fatalf("expect() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("expect() = %+v; want %+v", got, tt.want)
			}
			if allowed := disruptionsAllowed(tt.healthy, got); allowed != tt.wantAllowed {
				t.Errorf("disruptionsAllowed(%d, %+v) = %d; want %d", tt.healthy, got, allowed, tt.wantAllowed)
			}
		})
	}
}

func TestExpectScaleError(t *testing.T) {
	spec := policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromInt32(1))}
	_, err := expect(spec, 1, func() (int32, error) { return 0, errors.New(`found no controllers for pod "p"`) })
	if err == nil {
		t.Errorf("expect() error = nil; want the scale error")
	}
}

func pod(name string, ready bool, deleting bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	if deleting {
		p.DeletionTimestamp = ptr(metav1.NewTime(t0))
	}
	return p
}

func TestKeepDisrupted(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	pods := []*corev1.Pod{pod("fresh", true, false), pod("old", true, false), pod("deleting", true, true), pod("later", true, false)}
	recorded := map[string]metav1.Time{
		"fresh":    metav1.NewTime(now.Add(-30 * time.Second)),
		"later":    metav1.NewTime(now.Add(-10 * time.Second)),
		"old":      metav1.NewTime(now.Add(-3 * time.Minute)),
		"deleting": metav1.NewTime(now.Add(-10 * time.Second)),
		"gone":     metav1.NewTime(now.Add(-10 * time.Second)),
	}
	kept, expired, recheck := keepDisrupted(recorded, pods, now)
	_, hasFresh := kept["fresh"]
	_, hasLater := kept["later"]
	if want := []string{"fresh", "later"}; len(kept) != 2 || !hasFresh || !hasLater {
		t.Errorf("keepDisrupted() kept = %v; want %v", kept, want)
	}
	if want := []string{"old"}; !reflect.DeepEqual(expired, want) {
		t.Errorf("keepDisrupted() expired = %v; want %v", expired, want)
	}
	if want := now.Add(-30 * time.Second).Add(DeletionTimeout); !recheck.Equal(want) {
		t.Errorf("keepDisrupted() recheck = %v; want %v", recheck, want)
	}
	if got := countHealthy(append(pods, pod("unready", false, false)), kept); got != 1 {
		t.Errorf("countHealthy() = %d; want 1 (old only)", got)
	}
}

func TestComputeStatusConditions(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	tests := []struct {
		name       string
		healthy    int32
		wantStatus metav1.ConditionStatus
		wantReason string
	}{
		{name: "sufficient", healthy: 3, wantStatus: metav1.ConditionTrue, wantReason: policyv1.SufficientPodsReason},
		{name: "insufficient", healthy: 2, wantStatus: metav1.ConditionFalse, wantReason: policyv1.InsufficientPodsReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := computeStatus(pdb, tt.healthy, expectation{expectedCount: 3, desiredHealthy: 2}, nil, t0)
			if st.ObservedGeneration != 3 || len(st.Conditions) != 1 {
				t.Fatalf("computeStatus() = %+v; want observedGeneration 3 and one condition", st)
			}
			c := st.Conditions[0]
			if c.Type != policyv1.DisruptionAllowedCondition || c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Errorf("condition = %s %s %s; want DisruptionAllowed %s %s", c.Type, c.Status, c.Reason, tt.wantStatus, tt.wantReason)
			}
		})
	}
	failed := failedStatus(pdb, errors.New(`found no controllers for pod "p"`), t0)
	if c := failed.Conditions[0]; c.Reason != policyv1.SyncFailedReason || c.Status != metav1.ConditionFalse || failed.DisruptionsAllowed != 0 {
		t.Errorf("failedStatus() = %+v; want DisruptionAllowed False SyncFailed, 0 allowed", failed)
	}
}
