package podgc

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func pod(name string, phase corev1.PodPhase, age time.Duration, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

func names(pods []*corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return fmt.Sprint(out)
}

func TestTerminatedToDelete(t *testing.T) {
	evicted := pod("evicted", corev1.PodFailed, time.Minute, "n")
	evicted.Status.Reason = "Evicted"
	pods := []*corev1.Pod{
		pod("running", corev1.PodRunning, 5*time.Hour, "n"),
		pod("old-done", corev1.PodSucceeded, 3*time.Hour, "n"),
		pod("new-failed", corev1.PodFailed, time.Hour, "n"),
		pod("mid-done", corev1.PodSucceeded, 2*time.Hour, "n"),
		evicted,
	}
	tests := []struct {
		name      string
		threshold int
		want      string
	}{
		{"under the threshold", 5, "[]"},
		{"at the threshold", 4, "[]"},
		{"one over: the evicted pod first", 3, "[evicted]"},
		{"two over: then the oldest", 2, "[evicted old-done]"},
		{"zero disables", 0, "[]"},
		{"threshold one", 1, "[evicted old-done mid-done]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(terminatedToDelete(pods, tt.threshold)); got != tt.want {
				t.Errorf("terminatedToDelete(threshold %d) = %s; want %s", tt.threshold, got, tt.want)
			}
		})
	}
}

func TestQuarantine(t *testing.T) {
	const d = 40 * time.Second
	nodes := map[string]*corev1.Node{"alive": {}}
	orphan := pod("orphan", corev1.PodRunning, time.Hour, "gone")
	live := pod("live", corev1.PodRunning, time.Hour, "alive")
	q := quarantine{}
	steps := []struct {
		at   time.Duration
		pods []*corev1.Pod
		want string
	}{
		{0, []*corev1.Pod{orphan, live}, "[]"},
		{39 * time.Second, []*corev1.Pod{orphan, live}, "[]"},
		{40 * time.Second, []*corev1.Pod{orphan, live}, "[gone]"},
		{41 * time.Second, []*corev1.Pod{live}, "[]"},   // no pods left: forgotten
		{50 * time.Second, []*corev1.Pod{orphan}, "[]"}, // seen missing again: a new quarantine
		{89 * time.Second, []*corev1.Pod{orphan}, "[]"},
		{90 * time.Second, []*corev1.Pod{orphan}, "[gone]"},
	}
	for _, s := range steps {
		if got := fmt.Sprint(q.update(s.pods, nodes, t0.Add(s.at), d)); got != s.want {
			t.Errorf("at %s: due = %s; want %s", s.at, got, s.want)
		}
	}
}

func TestUnscheduledAndOutOfService(t *testing.T) {
	now := metav1.NewTime(t0)
	deleting := func(p *corev1.Pod) *corev1.Pod { p.DeletionTimestamp = &now; return p }
	down := &corev1.Node{
		Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: outOfServiceTaint, Effect: corev1.TaintEffectNoExecute}}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}},
	}
	downNoTaint := &corev1.Node{Status: down.Status}
	up := &corev1.Node{Spec: down.Spec, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	nodes := map[string]*corev1.Node{"down": down, "down-no-taint": downNoTaint, "up": up}
	pods := []*corev1.Pod{
		deleting(pod("unscheduled-deleting", corev1.PodPending, time.Minute, "")),
		pod("unscheduled", corev1.PodPending, time.Minute, ""),
		deleting(pod("on-down", corev1.PodRunning, time.Minute, "down")),
		pod("on-down-not-deleting", corev1.PodRunning, time.Minute, "down"),
		deleting(pod("on-down-no-taint", corev1.PodRunning, time.Minute, "down-no-taint")),
		deleting(pod("on-up", corev1.PodRunning, time.Minute, "up")),
	}
	if got, want := names(unscheduledTerminating(pods)), "[unscheduled-deleting]"; got != want {
		t.Errorf("unscheduledTerminating = %s; want %s", got, want)
	}
	if got, want := names(outOfServiceTerminating(pods, nodes)), "[on-down]"; got != want {
		t.Errorf("outOfServiceTerminating = %s; want %s", got, want)
	}
}
