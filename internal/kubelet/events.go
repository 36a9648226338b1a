package kubelet

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Reasons of the kubelet's container events, as upstream's
// pkg/kubelet/events.
const (
	eventCreated = "Created"
	eventStarted = "Started"
	eventFailed  = "Failed"
	eventKilling = "Killing"
	eventBackOff = "BackOff"
)

// containerRef is the event reference of container name of pod: the pod,
// with the container's field path (spec.containers{name} or
// spec.initContainers{name}), as upstream's GenerateContainerRef.
func containerRef(pod *corev1.Pod, name string) *corev1.ObjectReference {
	path := "spec.containers{" + name + "}"
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			path = "spec.initContainers{" + name + "}"
			break
		}
	}
	return &corev1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		ResourceVersion: pod.ResourceVersion, FieldPath: path,
	}
}

// containerEvent records an event about one container of pod, if the
// kubelet has a recorder.
func (k *Kubelet) containerEvent(pod *corev1.Pod, container, eventType, reason, format string, args ...any) {
	if k.cfg.Events != nil {
		k.cfg.Events.Event(containerRef(pod, container), eventType, reason, fmt.Sprintf(format, args...))
	}
}

// backOffEvents records upstream's BackOff warning for each container held
// in CrashLoopBackOff; the event recorder's correlator folds the repeats
// into one event with a count.
func (k *Kubelet) backOffEvents(pod *corev1.Pod, waiting map[string]waitReason) {
	for name, r := range waiting {
		if r.Reason == "CrashLoopBackOff" {
			k.containerEvent(pod, name, corev1.EventTypeWarning, eventBackOff,
				"Back-off restarting failed container %s in pod %s_%s(%s)", name, pod.Name, pod.Namespace, pod.UID)
		}
	}
}

// killingEvents records upstream's Killing event for each container of
// the pod that is still running or starting, before they are stopped.
func (k *Kubelet) killingEvents(pod *corev1.Pod, rs PodStatus) {
	for name, c := range rs.Containers {
		if c.State != ContainerExited {
			k.containerEvent(pod, name, corev1.EventTypeNormal, eventKilling, "Stopping container %s", name)
		}
	}
}
