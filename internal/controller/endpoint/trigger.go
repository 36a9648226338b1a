package endpoint

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// triggerTracker computes the last-change-trigger-time of a Service's
// Endpoints, as upstream's TriggerTimeTracker: the earliest change (a
// pod's Ready transition or creation, the Service's creation) not yet
// reflected in a written object. Safe for concurrent use.
type triggerTracker struct {
	mu   sync.Mutex
	seen map[string]*serviceState // "ns/name"
}

type serviceState struct {
	svc  time.Time
	pods map[types.UID]time.Time
}

func newTriggerTracker() *triggerTracker { return &triggerTracker{seen: map[string]*serviceState{}} }

// podTriggerTime is when a pod last changed in a way that moves it in or
// out of the endpoints.
func podTriggerTime(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return pod.CreationTimestamp.Time
}

// compute returns the trigger time for the current state (zero when
// nothing changed since the last recorded state) and a function that
// records the state as written; call it once the object is written (or
// found up to date), so a failed write keeps the trigger for the retry.
func (t *triggerTracker) compute(key string, svc *corev1.Service, pods []*corev1.Pod) (time.Time, func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.seen[key]
	next := &serviceState{svc: svc.CreationTimestamp.Time, pods: make(map[types.UID]time.Time, len(pods))}
	var min time.Time
	consider := func(at time.Time) {
		if !at.IsZero() && (min.IsZero() || at.Before(min)) {
			min = at
		}
	}
	if prev == nil || !prev.svc.Equal(next.svc) {
		consider(next.svc)
	}
	for _, p := range pods {
		at := podTriggerTime(p)
		next.pods[p.UID] = at
		if prev == nil || !prev.pods[p.UID].Equal(at) {
			consider(at)
		}
	}
	return min, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.seen[key] = next
	}
}

// forget drops a deleted Service.
func (t *triggerTracker) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}
