package scheduler

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/queuesort"
)

func qpod(name string, prio int32) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)}, Spec: v1.PodSpec{Priority: &prio}}
}

// rejectByFit queues a pod named name, pops it, and hands it back as
// rejected by NodeResourcesFit in the current cycle.
func rejectByFit(q *Queue, name string) {
	q.Add(qpod(name, 0))
	info, _ := q.Pop(context.Background())
	info.UnschedulablePlugins = map[string]bool{"NodeResourcesFit": true}
	q.AddUnschedulable(info, q.Cycle())
}

func newTestQueue(c *clocktesting.FakeClock) *Queue {
	events := map[string][]framework.ClusterEvent{"NodeResourcesFit": {{Resource: framework.Node, ActionType: framework.Add}}}
	return NewQueue((&queuesort.PrioritySort{}).Less, events, c)
}

func TestQueuePriorityOrder(t *testing.T) {
	c := clocktesting.NewFakeClock(time.Unix(0, 0))
	q := newTestQueue(c)
	q.Add(qpod("low", 0))
	c.Step(time.Second)
	q.Add(qpod("high", 10))
	q.Add(qpod("low2", 0))
	for _, want := range []string{"high", "low", "low2"} {
		got, err := q.Pop(context.Background())
		if err != nil || got.Pod.Name != want {
			t.Fatalf("Pop() = %v, %v; want %s", got, err, want)
		}
	}
}

func TestQueueBackoffAndEvents(t *testing.T) {
	c := clocktesting.NewFakeClock(time.Unix(0, 0))
	q := newTestQueue(c)
	rejectByFit(q, "p")
	if a, b, u := q.Lens(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("after rejection Lens() = %d,%d,%d; want 0,0,1", a, b, u)
	}
	q.MoveOnEvent(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete})
	if _, _, u := q.Lens(); u != 1 {
		t.Fatalf("an unregistered event moved the pod: unschedulable = %d; want 1", u)
	}
	q.MoveOnEvent(framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add})
	if a, b, u := q.Lens(); a != 0 || b != 1 || u != 0 {
		t.Fatalf("after node add within backoff Lens() = %d,%d,%d; want 0,1,0", a, b, u)
	}
	c.Step(999 * time.Millisecond)
	q.FlushBackoffCompleted()
	if a, _, _ := q.Lens(); a != 0 {
		t.Fatalf("active before 1s backoff = %d; want 0", a)
	}
	c.Step(time.Millisecond)
	q.FlushBackoffCompleted()
	if a, _, _ := q.Lens(); a != 1 {
		t.Fatalf("active after 1s backoff = %d; want 1", a)
	}
}

func TestQueueBackoffDuration(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {9, 10 * time.Second}}
	q := newTestQueue(clocktesting.NewFakeClock(time.Unix(0, 0)))
	for _, tt := range tests {
		e := &queued{info: &framework.QueuedPodInfo{Attempts: tt.attempts}, lastAttempt: time.Unix(0, 0)}
		if got := q.backoffExpiry(e).Sub(time.Unix(0, 0)); got != tt.want {
			t.Errorf("backoff after %d attempts = %v; want %v", tt.attempts, got, tt.want)
		}
	}
}

func TestQueueLeftoverFlush(t *testing.T) {
	c := clocktesting.NewFakeClock(time.Unix(0, 0))
	q := newTestQueue(c)
	rejectByFit(q, "p")
	c.Step(MaxInUnschedulable)
	q.FlushUnschedulableLeftover()
	if _, _, u := q.Lens(); u != 1 {
		t.Fatalf("flushed at exactly %v: unschedulable = %d; want 1", MaxInUnschedulable, u)
	}
	c.Step(time.Second)
	q.FlushUnschedulableLeftover()
	if a, _, u := q.Lens(); a != 1 || u != 0 {
		t.Fatalf("after %v Lens() active=%d unschedulable=%d; want 1, 0", MaxInUnschedulable+time.Second, a, u)
	}
}

func TestParseConfigErrorsNameTheField(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown field", "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n  plugin: {}\n", `unknown field "plugin"`},
		{"unknown plugin", "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled: [{name: Nope, weight: 2}]\n", "profiles[0].plugins.score.enabled[0].name"},
		{"bad apiVersion", "apiVersion: v2\nkind: KubeSchedulerConfiguration\n", "apiVersion"},
		{"duplicate", "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles: [{schedulerName: a}, {schedulerName: a}]\n", "profiles[1].schedulerName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.in))
			if err == nil || !contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig() = %v; want an error naming %q", err, tt.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestQueueConfiguredBackoff(t *testing.T) {
	tests := []struct {
		name             string
		initial, maximum time.Duration
		attempts         int
		want             time.Duration
	}{
		{"first failure waits the initial backoff", 3 * time.Second, 20 * time.Second, 1, 3 * time.Second},
		{"doubles per attempt", 3 * time.Second, 20 * time.Second, 3, 12 * time.Second},
		{"capped at the maximum", 3 * time.Second, 20 * time.Second, 4, 20 * time.Second},
		{"initial equal to maximum", 5 * time.Second, 5 * time.Second, 6, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clocktesting.NewFakeClock(time.Unix(0, 0))
			q := NewQueue((&queuesort.PrioritySort{}).Less, nil, c, WithBackoff(tt.initial, tt.maximum))
			q.Add(qpod("p", 0))
			info, _ := q.Pop(context.Background())
			info.Attempts = tt.attempts
			info.UnschedulablePlugins = nil // an error: straight to backoffQ
			q.AddUnschedulable(info, q.Cycle())
			c.Step(tt.want - time.Millisecond)
			q.FlushBackoffCompleted()
			if a, b, _ := q.Lens(); a != 0 || b != 1 {
				t.Fatalf("%v after the failure Lens() = %d active, %d backoff; want 0, 1", tt.want-time.Millisecond, a, b)
			}
			c.Step(time.Millisecond)
			q.FlushBackoffCompleted()
			if a, _, _ := q.Lens(); a != 1 {
				t.Errorf("%v after the failure active = %d; want 1", tt.want, a)
			}
		})
	}
}

// TestQueueRefreshKeepsOnlyTheNewVersion: a status-only update replaces
// the queued pod where it waits, moves nothing, and queues nothing new.
func TestQueueRefreshKeepsOnlyTheNewVersion(t *testing.T) {
	c := clocktesting.NewFakeClock(time.Unix(0, 0))
	q := newTestQueue(c)
	rejectByFit(q, "p")

	newer := qpod("p", 0)
	newer.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionFalse}}
	q.Refresh(newer)
	if a, b, u := q.Lens(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("after Refresh Lens() = %d,%d,%d; want 0,0,1 (nothing moves)", a, b, u)
	}
	if got := q.unschedulable[newer.UID].info.Pod; got != newer {
		t.Fatalf("the unschedulable pool holds %p; want the new version %p", got, newer)
	}
	q.Refresh(qpod("in-flight", 0))
	if a, b, u := q.Lens(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("Refresh of a pod not queued queued it: Lens() = %d,%d,%d; want 0,0,1", a, b, u)
	}
}
