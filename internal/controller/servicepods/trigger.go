package servicepods

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TriggerTracker computes the last-change-trigger-time of a Service's
// endpoints, as upstream's TriggerTimeTracker: the earliest change (a
// pod's Ready transition or creation, the Service's creation) not yet
// reflected in a written object. A pod counts as changed when its object
// changed (resourceVersion), not only when its Ready transition time
// moved: the kubelet keeps those to whole seconds, and a pod that turns
// ready in the second it was marked not ready would otherwise leave no
// trigger. Safe for concurrent use.
type TriggerTracker struct {
	mu   sync.Mutex
	seen map[string]*serviceState // "ns/name"
}

type serviceState struct {
	svc  time.Time
	pods map[types.UID]string // resourceVersion
}

// NewTriggerTracker returns a tracker that has seen no Service.
func NewTriggerTracker() *TriggerTracker {
	return &TriggerTracker{seen: map[string]*serviceState{}}
}

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

// Compute returns the trigger time of the Service key for its current
// state (zero when nothing changed since the last recorded state) and a
// function that records the state as written; call it once the objects
// are written (or found up to date), so a failed write keeps the trigger
// for the retry.
func (t *TriggerTracker) Compute(key string, svc *corev1.Service, pods []*corev1.Pod) (time.Time, func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.seen[key]
	next := &serviceState{svc: svc.CreationTimestamp.Time, pods: make(map[types.UID]string, len(pods))}
	var earliest time.Time
	consider := func(at time.Time) {
		if !at.IsZero() && (earliest.IsZero() || at.Before(earliest)) {
			earliest = at
		}
	}
	if prev == nil || !prev.svc.Equal(next.svc) {
		consider(next.svc)
	}
	for _, p := range pods {
		next.pods[p.UID] = p.ResourceVersion
		if rv, ok := prev.podVersion(p.UID); !ok || rv != p.ResourceVersion {
			consider(podTriggerTime(p))
		}
	}
	return earliest, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.seen[key] = next
	}
}

func (s *serviceState) podVersion(uid types.UID) (string, bool) {
	if s == nil {
		return "", false
	}
	rv, ok := s.pods[uid]
	return rv, ok
}

// Forget drops a deleted Service.
func (t *TriggerTracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}
