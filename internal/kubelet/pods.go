package kubelet

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// HandlePod hands the kubelet a pod bound to its node (added or updated).
// It does not block; RunPods delivers it to the pod's worker.
func (k *Kubelet) HandlePod(pod *corev1.Pod) {
	if pod.Spec.NodeName != k.cfg.NodeName {
		return
	}
	k.enqueue(podEvent{pod: pod})
}

// HandlePodDeleted tells the kubelet a pod is gone from the API.
func (k *Kubelet) HandlePodDeleted(pod *corev1.Pod) {
	k.enqueue(podEvent{pod: pod, deleted: true})
}

func (k *Kubelet) enqueue(ev podEvent) {
	k.mu.Lock()
	k.queue = append(k.queue, ev)
	k.mu.Unlock()
	select {
	case k.signal <- struct{}{}:
	default:
	}
}

// wake pokes the worker of a pod whose runtime state changed.
func (k *Kubelet) wake(uid types.UID) {
	k.mu.Lock()
	w := k.workers[uid]
	k.mu.Unlock()
	if w != nil {
		w.poke()
	}
}

// PodCount is the number of pods the kubelet works on.
func (k *Kubelet) PodCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.workers)
}

// RunPods runs one worker per pod until ctx ends, then waits for them.
func (k *Kubelet) RunPods(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.signal:
		}
		k.mu.Lock()
		events := k.queue
		k.queue = nil
		k.mu.Unlock()
		for _, ev := range events {
			k.dispatch(ctx, &wg, ev)
		}
	}
}

// dispatch delivers one event to its pod's worker, starting the worker on
// a pod's first sight.
func (k *Kubelet) dispatch(ctx context.Context, wg *sync.WaitGroup, ev podEvent) {
	k.mu.Lock()
	w := k.workers[ev.pod.UID]
	if w != nil {
		k.mu.Unlock()
		w.update(ev.pod, ev.deleted)
		return
	}
	defer k.mu.Unlock()
	if ev.deleted {
		return
	}
	// A new worker syncs ev.pod at once: no wake-up for it, or it would
	// sync the same pod twice.
	w = newPodWorker(k, ev.pod)
	if p := ev.pod; p.Status.Phase == corev1.PodPending && p.DeletionTimestamp == nil && k.node != nil {
		// Only a pod not started yet: one already running was admitted
		// by this node's kubelet before a restart.
		w.rejected = admit(p, k.node, k.admittedLocked())
	}
	k.workers[ev.pod.UID] = w
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.run(ctx)
		k.mu.Lock()
		delete(k.workers, w.uid)
		k.mu.Unlock()
	}()
}

// admittedLocked returns the pods the kubelet runs or will run: its
// workers' pods that were admitted and are neither terminal nor gone.
// k.mu must be held.
func (k *Kubelet) admittedLocked() []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(k.workers))
	for _, w := range k.workers {
		if w.rejected != nil {
			continue
		}
		w.mu.Lock()
		p, deleted := w.pod, w.deleted
		w.mu.Unlock()
		if !deleted && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// event records an event about pod as this node's kubelet, if the kubelet
// has a recorder.
func (k *Kubelet) event(pod *corev1.Pod, eventType, reason, message string) {
	if k.cfg.Events != nil {
		k.cfg.Events.Event(pod, eventType, reason, message)
	}
}
