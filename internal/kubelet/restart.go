package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Upstream's CrashLoopBackOff: 10 s doubling to 5 min, forgotten after
// twice the maximum without a restart.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 5 * time.Minute
)

// actionKind is what a pod worker does to the runtime.
type actionKind int

const (
	actSandbox   actionKind = iota // create the sandbox
	actStartInit                   // start an init container
	actStart                       // start (or restart) a container
	actStop                        // stop every container
)

// action is one step for the runtime.
type action struct {
	Kind      actionKind
	Container string
}

// decision is what decide asks the worker to do.
type decision struct {
	Actions []action
	// Waiting holds containers held in CrashLoopBackOff.
	Waiting map[string]waitReason
	// Requeue, when positive, is when to look again (a back-off or the
	// pod's active deadline ends).
	Requeue time.Duration
	// DeadlineExceeded: the pod ran past spec.activeDeadlineSeconds; its
	// containers are stopped and it fails.
	DeadlineExceeded bool
}

// activeDeadline reports whether pod has run past its
// spec.activeDeadlineSeconds (counted from status.startTime, as upstream;
// no start time, no deadline yet) and, if not, how long it has left (0:
// no deadline).
func activeDeadline(pod *corev1.Pod, now time.Time) (exceeded bool, left time.Duration) {
	if pod.Spec.ActiveDeadlineSeconds == nil || pod.Status.StartTime == nil {
		return false, 0
	}
	end := pod.Status.StartTime.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
	if !now.Before(end) {
		return true, 0
	}
	return false, end.Sub(now)
}

// backoffEntry is the back-off of one container.
type backoffEntry struct {
	Delay      time.Duration
	LastUpdate time.Time
}

// backoff is the CrashLoopBackOff state of a pod's containers, by name.
type backoff map[string]backoffEntry

// hold reports whether a container that finished at finishedAt must still
// wait at now, and for how long: upstream's IsInBackOffSince.
func (b backoff) hold(name string, finishedAt, now time.Time) (delay, left time.Duration) {
	e, ok := b[name]
	if !ok || now.Sub(e.LastUpdate) > 2*maxBackoff {
		return 0, 0
	}
	if left := finishedAt.Add(e.Delay).Sub(now); left > 0 {
		return e.Delay, left
	}
	return 0, 0
}

// restarted records a restart at now: the next back-off doubles, up to
// maxBackoff, or starts again at initialBackoff after a quiet spell.
func (b backoff) restarted(name string, now time.Time) {
	e, ok := b[name]
	if !ok || now.Sub(e.LastUpdate) > 2*maxBackoff {
		b[name] = backoffEntry{Delay: initialBackoff, LastUpdate: now}
		return
	}
	b[name] = backoffEntry{Delay: min(2*e.Delay, maxBackoff), LastUpdate: now}
}

// shouldRestart applies the pod's restartPolicy to an exited container.
func shouldRestart(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// decide is the pod worker's pure core: from the pod, what the runtime
// reports (ok false: nothing) and the back-off state, the next runtime
// actions at now. A pod past its active deadline is stopped for good;
// before it, the worker looks again when the deadline comes.
func decide(pod *corev1.Pod, rs PodStatus, ok bool, b backoff, now time.Time) decision {
	terminating := pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	exceeded, left := activeDeadline(pod, now)
	if terminating || exceeded {
		d := decision{DeadlineExceeded: exceeded && !terminating}
		if ok && anyRunning(rs) {
			d.Actions = []action{{Kind: actStop}}
		}
		return d
	}
	d := decideContainers(pod, rs, ok, b, now)
	if left > 0 && (d.Requeue == 0 || left < d.Requeue) {
		d.Requeue = left
	}
	return d
}

// decideContainers is decide for a pod that is to run: its sandbox, init
// containers in order, then its containers, with restarts held in back-off.
func decideContainers(pod *corev1.Pod, rs PodStatus, ok bool, b backoff, now time.Time) decision {
	var d decision
	if !ok {
		d.Actions = []action{{Kind: actSandbox}}
		return d
	}
	for _, c := range pod.Spec.InitContainers {
		rc, found := rs.Containers[c.Name]
		switch {
		case !found:
			d.Actions = []action{{Kind: actStartInit, Container: c.Name}}
			return d
		case rc.State != ContainerExited:
			return d
		case rc.ExitCode == 0:
			continue
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return d
		}
		d.restart(pod, rc, actStartInit, b, now)
		return d
	}
	for _, c := range pod.Spec.Containers {
		rc, found := rs.Containers[c.Name]
		switch {
		case !found:
			d.Actions = append(d.Actions, action{Kind: actStart, Container: c.Name})
		case rc.State == ContainerExited && shouldRestart(pod.Spec.RestartPolicy, rc.ExitCode):
			d.restart(pod, rc, actStart, b, now)
		}
	}
	return d
}

// restart adds a restart of rc, or holds it in CrashLoopBackOff.
func (d *decision) restart(pod *corev1.Pod, rc ContainerStatus, kind actionKind, b backoff, now time.Time) {
	delay, left := b.hold(rc.Name, rc.FinishedAt, now)
	if left <= 0 {
		d.Actions = append(d.Actions, action{Kind: kind, Container: rc.Name})
		return
	}
	if d.Waiting == nil {
		d.Waiting = map[string]waitReason{}
	}
	d.Waiting[rc.Name] = waitReason{
		Reason:  "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, rc.Name, pod.Name, pod.Namespace, pod.UID),
	}
	if d.Requeue == 0 || left < d.Requeue {
		d.Requeue = left
	}
}

// anyRunning reports whether a container of the pod runs or is starting.
func anyRunning(rs PodStatus) bool {
	for _, c := range rs.Containers {
		if c.State != ContainerExited {
			return true
		}
	}
	return false
}
