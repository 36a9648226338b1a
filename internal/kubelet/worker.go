package kubelet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podWorker drives one pod: it performs decide's actions against the
// runtime and writes podStatus through pods/status. Only run's goroutine
// touches the fields below mu.
type podWorker struct {
	k    *Kubelet
	uid  types.UID
	wake chan struct{}

	mu      sync.Mutex
	pod     *corev1.Pod // latest pod from the API
	deleted bool        // the pod is gone from the API
	// status is the status the worker last set out to write, whether or
	// not the write succeeded (upstream's status manager cache, which the
	// container logs endpoint reads); nil before the first. Read-only,
	// and shared with written once that write succeeds.
	status *corev1.PodStatus

	backoff backoff
	written *corev1.PodStatus // last status written
	// writtenRV is the resourceVersion the last write produced: until the
	// watch brings a pod at least that new, the API's status is stale
	// and written stands in for it.
	writtenRV uint64
	stopped   bool // containers stopped for deletion
	confirmed bool // final delete sent
	// rejected is set when admission refused the pod (before run starts;
	// read under Kubelet.mu): it never runs and is Failed.
	rejected *rejection
}

func newPodWorker(k *Kubelet, pod *corev1.Pod) *podWorker {
	return &podWorker{k: k, uid: pod.UID, pod: pod, wake: make(chan struct{}, 1), backoff: backoff{}}
}

func (w *podWorker) update(pod *corev1.Pod, deleted bool) {
	w.mu.Lock()
	w.pod = pod
	w.deleted = w.deleted || deleted
	w.mu.Unlock()
	w.poke()
}

func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// run syncs the pod on every wake-up until the pod is gone or ctx ends.
func (w *podWorker) run(ctx context.Context) {
	clk := w.k.cfg.Clock
	for {
		requeue, done := w.sync(ctx)
		if done {
			return
		}
		var timeout <-chan time.Time
		var timer interface{ Stop() bool }
		if requeue > 0 {
			t := clk.NewTimer(requeue)
			timer, timeout = t, t.C()
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-timeout:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// sync brings the runtime in line with the pod and writes its status.
func (w *podWorker) sync(ctx context.Context) (requeue time.Duration, done bool) {
	w.mu.Lock()
	pod, deleted := w.pod, w.deleted
	w.mu.Unlock()
	rt := w.k.cfg.Runtime
	if deleted {
		if err := rt.StopPod(ctx, pod, 0); err != nil {
			w.k.log.Error("stop pod", "pod", klogKey(pod), "err", err)
		}
		if err := rt.RemovePod(ctx, pod.UID); err != nil {
			w.k.log.Error("remove pod", "pod", klogKey(pod), "err", err)
		}
		return 0, true
	}
	if w.rejected != nil {
		return w.syncRejected(ctx, pod)
	}
	base := statusBase(pod, w.written, w.writtenRV)
	var d decision
	var failed *startError
	for range 8 { // each action changes the runtime; stop once stable
		rs, ok := rt.PodStatus(pod.UID)
		d = decide(base, rs, ok, w.backoff, w.k.cfg.Clock.Now())
		if len(d.Actions) == 0 {
			break
		}
		if err := w.perform(ctx, pod, d.Actions); err != nil {
			if !errors.As(err, &failed) {
				w.k.log.Error("sync pod", "pod", klogKey(pod), "err", err)
				return time.Second, false
			}
			break
		}
	}
	if failed != nil {
		// As upstream's kubelet, a container the runtime could not
		// create waits with the reason and the runtime's error, and the
		// start is tried again after upstream's backOffPeriod (10 s), or
		// at once when the pod changes.
		if d.Waiting == nil {
			d.Waiting = map[string]waitReason{}
		}
		d.Waiting[failed.container] = waitReason{Reason: "CreateContainerError", Message: failed.err.Error()}
		d.Requeue = createErrorRetry
	}
	w.k.backOffEvents(pod, d.Waiting)
	rs, ok := rt.PodStatus(pod.UID)
	w.stopped = pod.DeletionTimestamp != nil && !(ok && anyRunning(rs))
	st := podStatus(statusInput{
		Pod: base, Runtime: rs, HasRuntime: ok, Waiting: d.Waiting,
		HostIP: w.k.cfg.NodeIP, Now: w.k.cfg.Clock.Now(), Terminal: w.stopped, DeadlineExceeded: d.DeadlineExceeded,
	})
	want := mergeStatus(base.Status, st)
	if err := w.writeStatus(ctx, pod, base.Status, &want); err != nil {
		w.k.log.Error("write pod status", "pod", klogKey(pod), "err", err)
		return time.Second, false
	}
	if d.DeadlineExceeded && base.Status.Phase != corev1.PodFailed && st.Phase == corev1.PodFailed {
		w.k.event(pod, corev1.EventTypeNormal, st.Reason, st.Message)
	}
	if w.stopped && !w.confirmed {
		if err := w.confirmDeletion(ctx, pod); err != nil {
			w.k.log.Error("confirm pod deletion", "pod", klogKey(pod), "err", err)
			return time.Second, false
		}
	}
	return d.Requeue, false
}

// syncRejected writes a rejected pod's status once, as upstream's
// rejectPod: Failed with the rejection's reason and message; and confirms
// its deletion, for it has nothing to stop.
func (w *podWorker) syncRejected(ctx context.Context, pod *corev1.Pod) (time.Duration, bool) {
	base := statusBase(pod, w.written, w.writtenRV)
	if base.Status.Phase != corev1.PodFailed {
		st := base.Status.DeepCopy()
		st.Phase, st.Reason, st.Message = corev1.PodFailed, w.rejected.reason, w.rejected.statusMessage()
		if err := w.writeStatus(ctx, pod, base.Status, st); err != nil {
			w.k.log.Error("write rejected pod status", "pod", klogKey(pod), "err", err)
			return time.Second, false
		}
		w.k.event(pod, corev1.EventTypeWarning, w.rejected.reason, w.rejected.message)
	}
	if pod.DeletionTimestamp != nil && !w.confirmed {
		if err := w.confirmDeletion(ctx, pod); err != nil {
			w.k.log.Error("confirm pod deletion", "pod", klogKey(pod), "err", err)
			return time.Second, false
		}
	}
	return 0, false
}

// setStatus publishes st as the pod's status as the kubelet computes it;
// st must not change afterwards.
func (w *podWorker) setStatus(st *corev1.PodStatus) {
	w.mu.Lock()
	w.status = st
	w.mu.Unlock()
}

// perform carries out decide's actions.
func (w *podWorker) perform(ctx context.Context, pod *corev1.Pod, actions []action) error {
	rt := w.k.cfg.Runtime
	for _, a := range actions {
		var err error
		switch a.Kind {
		case actSandbox:
			w.k.ensurePodCIDR(ctx)
			_, err = rt.RunSandbox(ctx, pod)
		case actStartInit, actStart:
			err = w.start(ctx, pod, a)
		case actStop:
			if rs, ok := rt.PodStatus(pod.UID); ok {
				w.k.killingEvents(pod, rs)
			}
			err = rt.StopPod(ctx, pod, gracePeriod(pod))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *podWorker) start(ctx context.Context, pod *corev1.Pod, a action) error {
	init := a.Kind == actStartInit
	list := pod.Spec.Containers
	if init {
		list = pod.Spec.InitContainers
	}
	for i := range list {
		if list[i].Name != a.Container {
			continue
		}
		if rs, ok := w.k.cfg.Runtime.PodStatus(pod.UID); ok {
			if _, ran := rs.Containers[a.Container]; ran {
				w.backoff.restarted(a.Container, w.k.cfg.Clock.Now())
			}
		}
		if err := w.k.cfg.Runtime.StartContainer(ctx, pod, &list[i], init); err != nil {
			w.k.containerEvent(pod, a.Container, corev1.EventTypeWarning, eventFailed, "Error: %v", err)
			return &startError{container: a.Container, err: err}
		}
		w.k.containerEvent(pod, a.Container, corev1.EventTypeNormal, eventCreated, "Created container: %s", a.Container)
		w.k.containerEvent(pod, a.Container, corev1.EventTypeNormal, eventStarted, "Started container %s", a.Container)
		return nil
	}
	return nil
}

// gracePeriod is how long the pod's containers may take to stop.
func gracePeriod(pod *corev1.Pod) time.Duration {
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return corev1.DefaultTerminationGracePeriodSeconds * time.Second
}

// confirmDeletion removes the stopped pod from the API: grace period 0,
// only this very pod (UID precondition).
func (w *podWorker) confirmDeletion(ctx context.Context, pod *corev1.Pod) error {
	zero := int64(0)
	uid := pod.UID
	err := w.k.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return err
	}
	w.confirmed = true
	return nil
}

func klogKey(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

// createErrorRetry is how long a pod whose container could not be created
// waits before the next try: upstream's kubelet backOffPeriod.
const createErrorRetry = 10 * time.Second

// startError is the runtime's refusal to start a container: the pod's
// status shows it (CreateContainerError) rather than the sync failing.
type startError struct {
	container string
	err       error
}

func (e *startError) Error() string { return fmt.Sprintf("start container %s: %v", e.container, e.err) }

func (e *startError) Unwrap() error { return e.err }
