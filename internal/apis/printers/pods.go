package printers

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// nodeUnreachablePodReason is the pod status reason the node lifecycle
// controller sets on pods of an unreachable node.
const nodeUnreachablePodReason = "NodeLost"

func podPrinter() *Printer {
	p := typed(podColumns(), podRow)
	p.Conditions = podRowConditions
	return p
}

// podRowConditions marks the row of a succeeded or failed pod Completed, as
// upstream's printPod does.
func podRowConditions(obj runtime.Object) []metav1.TableRowCondition {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	completed := func(reason corev1.PodPhase, message string) []metav1.TableRowCondition {
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: string(reason), Message: message}}
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return completed(corev1.PodSucceeded, "The pod has completed successfully.")
	case corev1.PodFailed:
		return completed(corev1.PodFailed, "The pod failed.")
	}
	return nil
}

func podColumns() []metav1.TableColumnDefinition {
	statusDoc := corev1.PodStatus{}.SwaggerDoc()
	specDoc := corev1.PodSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
		column("Status", "string", "The aggregate status of the containers in this pod."),
		column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn(),
		wideColumn("IP", "string", statusDoc["podIP"]),
		wideColumn("Node", "string", specDoc["nodeName"]),
		wideColumn("Nominated Node", "string", statusDoc["nominatedNodeName"]),
		wideColumn("Readiness Gates", "string", specDoc["readinessGates"]),
	}
}

// podSummary is what the READY, STATUS and RESTARTS cells are made of.
type podSummary struct {
	reason       string
	ready, total int
	restarts     int
	lastRestart  metav1.Time
}

func podRow(pod *corev1.Pod, now time.Time) []interface{} {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, age(s.lastRestart, now))
	}
	return []interface{}{
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.reason,
		restarts,
		age(pod.CreationTimestamp, now),
		podIP(pod),
		stringOr(pod.Spec.NodeName, "<none>"),
		stringOr(pod.Status.NominatedNodeName, "<none>"),
		readinessGates(pod),
	}
}

// summarizePod computes the pod's status reason, ready and total container
// counts and restarts the way upstream's printPod does: init containers
// first, then (once initialized) the regular containers, last to first.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{reason: string(pod.Status.Phase), total: len(pod.Spec.Containers)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}
	initContainers := make(map[string]*corev1.Container, len(pod.Spec.InitContainers))
	for i := range pod.Spec.InitContainers {
		initContainers[pod.Spec.InitContainers[i].Name] = &pod.Spec.InitContainers[i]
		if isRestartableInitContainer(&pod.Spec.InitContainers[i]) {
			s.total++
		}
	}

	sidecarRestarts, sidecarLastRestart, initializing := summarizeInitContainers(pod, initContainers, &s)
	if !initializing || isPodInitialized(&pod.Status) {
		s.restarts = sidecarRestarts
		s.lastRestart = sidecarLastRestart
		summarizeContainers(pod, &s)
	}

	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachablePodReason:
		s.reason = "Unknown"
	case pod.DeletionTimestamp != nil && !isPodPhaseTerminal(pod.Status.Phase):
		s.reason = "Terminating"
	}
	return s
}

// summarizeInitContainers walks the init container statuses up to the first
// one that has not completed, counting restarts into s and setting s.reason
// to "Init:..." when initialization is still under way. It returns the
// restarts of restartable (sidecar) init containers alone, which still count
// once the pod is initialized.
func summarizeInitContainers(pod *corev1.Pod, spec map[string]*corev1.Container, s *podSummary) (sidecarRestarts int, sidecarLastRestart metav1.Time, initializing bool) {
	for i, c := range pod.Status.InitContainerStatuses {
		s.restarts += int(c.RestartCount)
		laterRestart(&s.lastRestart, c)
		sidecar := isRestartableInitContainer(spec[c.Name])
		if sidecar {
			sidecarRestarts += int(c.RestartCount)
			laterRestart(&sidecarLastRestart, c)
		}
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case sidecar && c.Started != nil && *c.Started:
			if c.Ready {
				s.ready++
			}
			continue
		case c.State.Terminated != nil:
			s.reason = "Init:" + terminatedReason(c.State.Terminated)
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			s.reason = "Init:" + c.State.Waiting.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return sidecarRestarts, sidecarLastRestart, true
	}
	return sidecarRestarts, sidecarLastRestart, false
}

// summarizeContainers folds the regular container statuses into s, last to
// first so that the first container's state wins the reason.
func summarizeContainers(pod *corev1.Pod, s *podSummary) {
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := pod.Status.ContainerStatuses[i]
		s.restarts += int(c.RestartCount)
		laterRestart(&s.lastRestart, c)
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			s.reason = c.State.Waiting.Reason
		case c.State.Terminated != nil:
			s.reason = terminatedReason(c.State.Terminated)
		case c.Ready && c.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	// A pod with a completed container and a running one is still running.
	if s.reason == "Completed" && hasRunning {
		if hasPodReadyCondition(pod.Status.Conditions) {
			s.reason = "Running"
		} else {
			s.reason = "NotReady"
		}
	}
}

// terminatedReason is the reason of a terminated container, or its signal
// or exit code when it has none.
func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// laterRestart moves *last forward to the container's last termination.
func laterRestart(last *metav1.Time, c corev1.ContainerStatus) {
	if t := c.LastTerminationState.Terminated; t != nil && last.Before(&t.FinishedAt) {
		*last = t.FinishedAt
	}
}

func isRestartableInitContainer(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func isPodPhaseTerminal(phase corev1.PodPhase) bool {
	return phase == corev1.PodFailed || phase == corev1.PodSucceeded
}

func isPodInitialized(status *corev1.PodStatus) bool {
	for _, c := range status.Conditions {
		if c.Type == corev1.PodInitialized {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasPodReadyCondition(conditions []corev1.PodCondition) bool {
	for _, c := range conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// podIP is the IP cell: status.podIP when set (upstream's conversion makes
// it authoritative over podIPs, for older kubelets that set only podIP), else
// the first of status.podIPs, else "<none>".
func podIP(pod *corev1.Pod) string {
	if pod.Status.PodIP != "" {
		return pod.Status.PodIP
	}
	if len(pod.Status.PodIPs) > 0 && pod.Status.PodIPs[0].IP != "" {
		return pod.Status.PodIPs[0].IP
	}
	return "<none>"
}

// readinessGates renders "true gates/all gates", or "<none>" without gates.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	trueConditions := 0
	for _, gate := range pod.Spec.ReadinessGates {
		for _, c := range pod.Status.Conditions {
			if c.Type == gate.ConditionType {
				if c.Status == corev1.ConditionTrue {
					trueConditions++
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d/%d", trueConditions, len(pod.Spec.ReadinessGates))
}

func podTemplatePrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Containers", "string", containersDescription),
		column("Images", "string", imagesDescription),
		column("Pod Labels", "string", "The labels for the pod template."),
	}
	return typed(cols, func(t *corev1.PodTemplate, _ time.Time) []interface{} {
		names, images := containerCells(t.Template.Spec.Containers)
		return []interface{}{t.Name, names, images, labels.FormatLabels(t.Template.Labels)}
	})
}
