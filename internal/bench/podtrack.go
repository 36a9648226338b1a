package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podTimes is what a podTracker saw of one pod, on the bench's clock.
type podTimes struct {
	// sent is when the bench sent the create request (zero for pods a
	// controller created).
	sent time.Time
	// added is when the watch first delivered the pod.
	added     time.Time
	scheduled time.Time
	running   time.Time
}

// created is the pod's creation as the bench knows it: the create request
// it sent, or else the first watch event.
func (p *podTimes) created() time.Time {
	if !p.sent.IsZero() {
		return p.sent
	}
	return p.added
}

// podState is the live state of one pod, for the rollout's bounds.
type podState struct {
	ready, terminating bool
}

// podTracker follows the pods of one namespace through a watch (a client-go
// informer) and stamps, on arrival, when each was added, scheduled and
// first seen Running; it also keeps live counts of ready and
// non-terminating pods and calls onChange after every event.
type podTracker struct {
	mu        sync.Mutex
	pods      map[string]*podTimes
	states    map[string]podState
	scheduled int
	running   int
	available int // ready and not terminating
	active    int // not terminating
	onChange  func(available, active, all int)
	now       func() time.Time
}

// trackNewNamespace creates namespace ns, waits for its default
// ServiceAccount (pods need it), and starts a podTracker watching it until
// stop is called.
func trackNewNamespace(ctx context.Context, cs kubernetes.Interface, ns string) (tr *podTracker, stop func(), err error) {
	if err := createNamespace(ctx, cs, ns); err != nil {
		return nil, nil, err
	}
	if err := waitServiceAccount(ctx, cs, ns); err != nil {
		return nil, nil, err
	}
	tr = newPodTracker()
	wctx, cancel := context.WithCancel(ctx)
	if err := tr.watch(wctx, cs, ns); err != nil {
		cancel()
		return nil, nil, err
	}
	return tr, cancel, nil
}

func newPodTracker() *podTracker {
	return &podTracker{pods: map[string]*podTimes{}, states: map[string]podState{}, now: time.Now}
}

// sent records that the bench is about to create pod name.
func (t *podTracker) sent(name string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.entry(name)
	if p.sent.IsZero() {
		p.sent = now
	}
}

func (t *podTracker) entry(name string) *podTimes {
	p := t.pods[name]
	if p == nil {
		p = &podTimes{}
		t.pods[name] = p
	}
	return p
}

// observe records one watch event of pod.
func (t *podTracker) observe(pod *corev1.Pod) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.entry(pod.Name)
	if p.added.IsZero() {
		p.added = now
	}
	if pod.Spec.NodeName != "" && p.scheduled.IsZero() {
		p.scheduled = now
		t.scheduled++
	}
	if pod.Status.Phase == corev1.PodRunning && p.running.IsZero() {
		p.running = now
		t.running++
	}
	t.setState(pod.Name, podState{ready: podReady(pod), terminating: pod.DeletionTimestamp != nil}, true)
}

// gone records that pod name was deleted.
func (t *podTracker) gone(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.setState(name, podState{}, false)
}

// setState replaces the live state of a pod and updates the counts.
func (t *podTracker) setState(name string, st podState, exists bool) {
	if old, ok := t.states[name]; ok {
		t.count(old, -1)
	}
	delete(t.states, name)
	if exists {
		t.states[name] = st
		t.count(st, 1)
	}
	if t.onChange != nil {
		t.onChange(t.available, t.active, len(t.states))
	}
}

func (t *podTracker) count(st podState, d int) {
	if !st.terminating {
		t.active += d
		if st.ready {
			t.available += d
		}
	}
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// counts returns how many pods were seen scheduled and Running.
func (t *podTracker) counts() (scheduled, running int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scheduled, t.running
}

// snapshot copies the times of every pod seen.
func (t *podTracker) snapshot() []podTimes {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]podTimes, 0, len(t.pods))
	for _, p := range t.pods {
		out = append(out, *p)
	}
	return out
}

// watch runs an informer on the pods of ns until ctx ends and returns once
// its first list has been delivered.
func (t *podTracker) watch(ctx context.Context, cs kubernetes.Interface, ns string) error {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.observe(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { t.observe(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				t.gone(pod.Name)
			}
		},
	})
	if err != nil {
		return err
	}
	f.StartWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("watch pods of %s: %w", ns, ctx.Err())
	}
	return nil
}

// waitUntil polls cond every 50ms until it holds, ctx ends or limit
// passes; what names the wait in the error.
func waitUntil(ctx context.Context, what string, limit time.Duration, cond func() (bool, string)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not done after %v (%s)", what, limit, state)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
