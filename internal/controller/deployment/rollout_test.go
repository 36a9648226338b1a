package deployment

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestFenceposts(t *testing.T) {
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	num := func(n int32) *intstr.IntOrString { v := intstr.FromInt32(n); return &v }
	tests := []struct {
		name                   string
		surge, unavailable     *intstr.IntOrString
		replicas               int32
		wantSurge, wantUnavail int32
	}{
		{name: "defaults 25% of 10: surge up, unavailable down", replicas: 10, wantSurge: 3, wantUnavail: 2},
		{name: "defaults 25% of 3", replicas: 3, wantSurge: 1, wantUnavail: 0},
		{name: "numbers", surge: num(2), unavailable: num(1), replicas: 5, wantSurge: 2, wantUnavail: 1},
		{name: "percent rounding 33% of 10", surge: pct("33%"), unavailable: pct("33%"), replicas: 10, wantSurge: 4, wantUnavail: 3},
		{name: "both zero: unavailable becomes 1", surge: num(0), unavailable: pct("10%"), replicas: 5, wantSurge: 0, wantUnavail: 1},
		{name: "zero replicas", replicas: 0, wantSurge: 0, wantUnavail: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u, err := fenceposts(tt.surge, tt.unavailable, tt.replicas)
			if err != nil || s != tt.wantSurge || u != tt.wantUnavail {
				t.Errorf("fenceposts(%v, %v, %d) = %d, %d, %v; want %d, %d, nil", tt.surge, tt.unavailable, tt.replicas, s, u, err, tt.wantSurge, tt.wantUnavail)
			}
		})
	}
	if _, _, err := fenceposts(pct("x%"), nil, 3); err == nil {
		t.Errorf("fenceposts(x%%) = nil error; want one")
	}
}

func TestScaleUpNew(t *testing.T) {
	tests := []struct {
		name                               string
		replicas, surge, totalSpec, newSpc int32
		want                               int32
	}{
		{name: "fresh rollout surges by maxSurge", replicas: 3, surge: 1, totalSpec: 3, newSpc: 0, want: 1},
		{name: "no room while at the surge limit", replicas: 3, surge: 1, totalSpec: 4, newSpc: 1, want: 1},
		{name: "room after old scaled down", replicas: 3, surge: 1, totalSpec: 2, newSpc: 1, want: 3},
		{name: "never beyond replicas", replicas: 3, surge: 10, totalSpec: 3, newSpc: 0, want: 3},
		{name: "new deployment", replicas: 5, surge: 2, totalSpec: 0, newSpc: 0, want: 5},
		{name: "scaled down deployment shrinks the new set", replicas: 2, surge: 1, totalSpec: 4, newSpc: 4, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scaleUpNew(tt.replicas, tt.surge, tt.totalSpec, tt.newSpc); got != tt.want {
				t.Errorf("scaleUpNew(%d, %d, %d, %d) = %d; want %d", tt.replicas, tt.surge, tt.totalSpec, tt.newSpc, got, tt.want)
			}
		})
	}
}

func TestScaleDownOld(t *testing.T) {
	tests := []struct {
		name                                 string
		olds                                 []oldSet
		replicas, unavail, newSpec, newAvail int32
		want                                 []int32
	}{
		{name: "new not available yet: keep the old", olds: []oldSet{{3, 3}}, replicas: 3, unavail: 0, newSpec: 1, newAvail: 0, want: []int32{3}},
		{name: "maxUnavailable 1 lets one old go before the new is ready", olds: []oldSet{{3, 3}}, replicas: 3, unavail: 1, newSpec: 1, newAvail: 0, want: []int32{2}},
		{name: "new available: old goes by as many", olds: []oldSet{{3, 3}}, replicas: 3, unavail: 1, newSpec: 1, newAvail: 1, want: []int32{1}},
		{name: "unhealthy old pods go first", olds: []oldSet{{3, 1}}, replicas: 3, unavail: 1, newSpec: 1, newAvail: 0, want: []int32{2}},
		{name: "oldest set first", olds: []oldSet{{2, 2}, {2, 2}}, replicas: 4, unavail: 1, newSpec: 0, newAvail: 0, want: []int32{1, 2}},
		{name: "done", olds: []oldSet{{0, 0}}, replicas: 3, unavail: 1, newSpec: 3, newAvail: 3, want: []int32{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scaleDownOld(tt.olds, tt.replicas, tt.unavail, tt.newSpec, tt.newAvail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scaleDownOld(%v, replicas %d, maxUnavailable %d, new %d/%d) = %v; want %v",
					tt.olds, tt.replicas, tt.unavail, tt.newSpec, tt.newAvail, got, tt.want)
			}
		})
	}
}

// TestRollingSteps plays a whole rollout of 3 replicas, maxSurge 1,
// maxUnavailable 1, with new pods becoming available at once, and checks
// the bounds at every step.
func TestRollingSteps(t *testing.T) {
	const replicas, surge, unavail = 3, 1, 1
	old, nw := int32(3), int32(0)
	for step := 0; old > 0 || nw < replicas; step++ {
		if step > 10 {
			t.Fatalf("no convergence: old %d, new %d", old, nw)
		}
		if up := scaleUpNew(replicas, surge, old+nw, nw); up != nw {
			nw = up
		} else {
			old = scaleDownOld([]oldSet{{old, old}}, replicas, unavail, nw, nw)[0]
		}
		if old+nw > replicas+surge || old+nw < replicas-unavail {
			t.Errorf("step %d: old %d + new %d = %d pods; want within [%d, %d]", step, old, nw, old+nw, replicas-unavail, replicas+surge)
		}
	}
}

func TestConditions(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	three := int32(3)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Spec: appsv1.DeploymentSpec{Replicas: &three}}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-abc"}}
	stale := metav1.NewTime(now.Add(-11 * time.Minute))
	tests := []struct {
		name       string
		st         appsv1.DeploymentStatus
		existing   []appsv1.DeploymentCondition
		created    bool
		progressed bool
		wantAvail  string
		wantProg   string
	}{
		{name: "created", st: appsv1.DeploymentStatus{ObservedGeneration: 2}, created: true,
			wantAvail: "False MinimumReplicasUnavailable", wantProg: "True NewReplicaSetCreated"},
		{name: "progressing", st: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 4, UpdatedReplicas: 1, AvailableReplicas: 3}, progressed: true,
			wantAvail: "True MinimumReplicasAvailable", wantProg: "True ReplicaSetUpdated"},
		{name: "complete", st: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3},
			wantAvail: "True MinimumReplicasAvailable", wantProg: "True NewReplicaSetAvailable"},
		{name: "deadline exceeded", st: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 1, AvailableReplicas: 2},
			existing:  []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "ReplicaSetUpdated", LastUpdateTime: stale}},
			wantAvail: "True MinimumReplicasAvailable", wantProg: "False ProgressDeadlineExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := d.DeepCopy()
			d.Status.Conditions = tt.existing
			conds := conditions(d, tt.st, rs, 1, tt.created, tt.progressed, now)
			a, p := findCondition(conds, appsv1.DeploymentAvailable), findCondition(conds, appsv1.DeploymentProgressing)
			if got := string(a.Status) + " " + a.Reason; got != tt.wantAvail {
				t.Errorf("Available = %q; want %q", got, tt.wantAvail)
			}
			if got := string(p.Status) + " " + p.Reason; got != tt.wantProg {
				t.Errorf("Progressing = %q; want %q", got, tt.wantProg)
			}
		})
	}
}

func TestSplitNewIgnoresHash(t *testing.T) {
	tmpl := func(image, hash string) corev1.PodTemplateSpec {
		l := map[string]string{"app": "a"}
		if hash != "" {
			l[hashLabel] = hash
		}
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}
	}
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: tmpl("v2", "")}}
	v1 := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "v1"}, Spec: appsv1.ReplicaSetSpec{Template: tmpl("v1", "h1")}}
	v2 := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "v2"}, Spec: appsv1.ReplicaSetSpec{Template: tmpl("v2", "h2")}}
	newRS, olds := splitNew(d, []*appsv1.ReplicaSet{v2, v1})
	if newRS != v2 || len(olds) != 1 || olds[0] != v1 {
		t.Errorf("splitNew() = %v, %v; want v2, [v1]", newRS, olds)
	}
}
