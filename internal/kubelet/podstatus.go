package kubelet

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// waitReason overrides a container's state with waiting: it exited and
// waits out a back-off before its restart.
type waitReason struct {
	Reason  string
	Message string
}

// statusInput is everything podStatus reads.
type statusInput struct {
	Pod *corev1.Pod
	// Runtime is the runtime's view of the pod; HasRuntime is false when
	// the runtime knows nothing of it (no sandbox yet).
	Runtime    PodStatus
	HasRuntime bool
	// Waiting holds, by container name, containers in back-off and
	// containers the runtime could not create.
	Waiting map[string]waitReason
	HostIP  string
	Now     time.Time
	// Terminal is true once the pod was stopped for good (deletion).
	Terminal bool
	// DeadlineExceeded: the pod ran past spec.activeDeadlineSeconds.
	DeadlineExceeded bool
}

// podStatus computes the status the kubelet writes for a pod: phase,
// conditions, container statuses, IPs, start time and QoS class. It keeps
// lastTransitionTimes and startTime from the pod's current status.
func podStatus(in statusInput) corev1.PodStatus {
	pod := in.Pod
	old := pod.Status
	initStatuses := containerStatuses(pod.Spec.InitContainers, in, true)
	statuses := containerStatuses(pod.Spec.Containers, in, false)
	st := corev1.PodStatus{
		InitContainerStatuses: initStatuses,
		ContainerStatuses:     statuses,
		HostIP:                in.HostIP,
		HostIPs:               []corev1.HostIP{{IP: in.HostIP}},
		QOSClass:              old.QOSClass,
		StartTime:             old.StartTime,
	}
	if st.QOSClass == "" {
		st.QOSClass = qosClass(pod)
	}
	if st.StartTime == nil {
		t := metav1.NewTime(in.Now.Truncate(time.Second))
		st.StartTime = &t
	}
	switch {
	case pod.Spec.HostNetwork && in.HasRuntime:
		// As upstream: a pod on the host's network has the node's address.
		st.PodIP = in.HostIP
		st.PodIPs = []corev1.PodIP{{IP: in.HostIP}}
	case in.HasRuntime && in.Runtime.Sandbox.IP != "":
		st.PodIP = in.Runtime.Sandbox.IP
		st.PodIPs = []corev1.PodIP{{IP: in.Runtime.Sandbox.IP}}
	}
	st.Phase = podPhase(pod, initStatuses, statuses, in.Terminal)
	if old.Phase == corev1.PodSucceeded || old.Phase == corev1.PodFailed {
		st.Phase = old.Phase
	}
	if in.DeadlineExceeded && st.Phase != corev1.PodSucceeded {
		st.Phase = corev1.PodFailed
		st.Reason, st.Message = "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"
	}
	st.Conditions = podConditions(pod, st, in.HasRuntime && !in.Terminal, in.Now)
	return st
}

// containerStatuses reports each container of the spec from the runtime.
func containerStatuses(cs []corev1.Container, in statusInput, init bool) []corev1.ContainerStatus {
	if len(cs) == 0 {
		return nil
	}
	creating := "ContainerCreating"
	if init || len(in.Pod.Spec.InitContainers) > 0 && !initialized(in.Pod, in.Runtime) {
		creating = "PodInitializing"
	}
	out := make([]corev1.ContainerStatus, 0, len(cs))
	for _, c := range cs {
		s := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: new(bool)}
		rc, found := in.Runtime.Containers[c.Name]
		switch {
		case !found || rc.State == ContainerCreated:
			s.State.Waiting = &corev1.ContainerStateWaiting{Reason: creating}
			if w, ok := in.Waiting[c.Name]; ok && !found {
				s.State.Waiting = &corev1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}
			}
			if found {
				s.RestartCount = rc.Attempt
				s.LastTerminationState = terminated(rc.Previous)
			}
		case rc.State == ContainerRunning:
			s.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(rc.StartedAt.Truncate(time.Second))}
			s.LastTerminationState = terminated(rc.Previous) // as upstream: a restarted container shows its last exit
			s.Ready = rc.Ready && !init
			*s.Started = true
		default:
			s.State = terminated(&rc)
			s.LastTerminationState = terminated(rc.Previous)
			s.Ready = init && rc.ExitCode == 0
			if w, ok := in.Waiting[c.Name]; ok {
				s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}}
				s.LastTerminationState = terminated(&rc)
			}
		}
		if found {
			s.ContainerID, s.ImageID, s.RestartCount = rc.ID, rc.ImageID, rc.Attempt
		}
		out = append(out, s)
	}
	return out
}

// terminated is the terminated state of an exited instance (empty for nil).
func terminated(rc *ContainerStatus) corev1.ContainerState {
	if rc == nil || rc.State != ContainerExited {
		return corev1.ContainerState{}
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode:    rc.ExitCode,
		Reason:      rc.Reason,
		StartedAt:   metav1.NewTime(rc.StartedAt.Truncate(time.Second)),
		FinishedAt:  metav1.NewTime(rc.FinishedAt.Truncate(time.Second)),
		ContainerID: rc.ID,
	}}
}

// initialized reports whether every init container exited 0.
func initialized(pod *corev1.Pod, rs PodStatus) bool {
	for _, c := range pod.Spec.InitContainers {
		rc, ok := rs.Containers[c.Name]
		if !ok || rc.State != ContainerExited || rc.ExitCode != 0 {
			return false
		}
	}
	return true
}

// podPhase is upstream's getPhase: the phase from the container statuses
// and the restart policy. terminal is true once the kubelet stopped the
// pod for good.
func podPhase(pod *corev1.Pod, initStatuses, statuses []corev1.ContainerStatus, terminal bool) corev1.PodPhase {
	policy := pod.Spec.RestartPolicy
	pendingInit, failedInit := 0, 0
	for _, s := range initStatuses {
		switch {
		case s.State.Terminated != nil && s.State.Terminated.ExitCode == 0:
		case s.State.Terminated != nil:
			failedInit++
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.ExitCode != 0:
			failedInit++
		default:
			pendingInit++
		}
	}
	running, waiting, stopped, succeeded := 0, 0, 0, 0
	for _, s := range statuses {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case failedInit > 0 && policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	case pendingInit > 0 || failedInit > 0:
		return corev1.PodPending
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0 && terminal:
		if stopped == succeeded {
			return corev1.PodSucceeded
		}
		return corev1.PodFailed
	case stopped > 0 && policy == corev1.RestartPolicyAlways:
		return corev1.PodRunning
	case stopped > 0 && stopped == succeeded:
		return corev1.PodSucceeded
	case stopped > 0 && policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	case stopped > 0:
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// podConditions computes the five pod conditions of upstream's kubelet, in
// its order, keeping transition times of unchanged conditions. Ready also
// needs the pod's readiness gates.
func podConditions(pod *corev1.Pod, st corev1.PodStatus, sandboxReady bool, now time.Time) []corev1.PodCondition {
	var notInit, notReady []string
	for _, s := range st.InitContainerStatuses {
		if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			notInit = append(notInit, s.Name)
		}
	}
	for _, s := range st.ContainerStatuses {
		if !s.Ready {
			notReady = append(notReady, s.Name)
		}
	}
	cond := func(typ corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
		if ok {
			return corev1.PodCondition{Type: typ, Status: corev1.ConditionTrue}
		}
		return corev1.PodCondition{Type: typ, Status: corev1.ConditionFalse, Reason: reason, Message: msg}
	}
	readyReason, readyMsg := "ContainersNotReady", unready("containers with unready status", notReady)
	if st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed {
		readyReason, readyMsg = "PodCompleted", ""
		notReady = append(notReady, "")
	}
	ready := cond(corev1.PodReady, len(notReady) == 0, readyReason, readyMsg)
	if msg := readinessGatesUnready(pod); ready.Status == corev1.ConditionTrue && msg != "" {
		ready = cond(corev1.PodReady, false, "ReadinessGatesNotReady", msg)
	}
	out := []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, sandboxReady, "", ""),
		cond(corev1.PodInitialized, len(notInit) == 0 || st.Phase == corev1.PodSucceeded, "ContainersNotInitialized", unready("containers with incomplete status", notInit)),
		ready,
		cond(corev1.ContainersReady, len(notReady) == 0, readyReason, readyMsg),
		cond(corev1.PodScheduled, true, "", ""),
	}
	t := metav1.NewTime(now.Truncate(time.Second))
	for i := range out {
		out[i].LastTransitionTime = t
		for _, p := range pod.Status.Conditions {
			if p.Type == out[i].Type && p.Status == out[i].Status {
				out[i].LastTransitionTime = p.LastTransitionTime
			}
		}
	}
	return out
}

// readinessGatesUnready is upstream's message for the pod's readiness
// gates whose condition (set by another controller through pods/status)
// is missing or not True, or "" when every gate is satisfied: a pod is
// Ready only when its containers are and all its gates are.
func readinessGatesUnready(pod *corev1.Pod) string {
	var msgs []string
	for _, g := range pod.Spec.ReadinessGates {
		switch c := podCondition(pod.Status.Conditions, g.ConditionType); {
		case c == nil:
			msgs = append(msgs, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", string(g.ConditionType)))
		case c.Status != corev1.ConditionTrue:
			msgs = append(msgs, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v", string(g.ConditionType), c.Status))
		}
	}
	return strings.Join(msgs, ", ")
}

// unready words upstream's condition message: "prefix: [a b]".
func unready(prefix string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return fmt.Sprintf("%s: [%s]", prefix, strings.Join(sorted, " "))
}

// qosClass is upstream's QoS class of a pod: Guaranteed when every
// container limits cpu and memory with requests equal to limits,
// BestEffort when nothing requests or limits either, Burstable otherwise.
func qosClass(pod *corev1.Pod) corev1.PodQOSClass {
	any, guaranteed := false, true
	all := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range all {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if hasReq && !req.IsZero() || hasLim && !lim.IsZero() {
				any = true
			}
			if !hasLim || hasReq && req.Cmp(lim) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}
