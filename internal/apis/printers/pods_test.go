package printers

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var podGVK = corev1.SchemeGroupVersion.WithKind("Pod")

// pod builds a pod with n containers and init containers and a status.
func pod(name string, inits, containers int, status corev1.PodStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{InitContainers: make([]corev1.Container, inits), Containers: make([]corev1.Container, containers)},
		Status:     status,
	}
}

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, code int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}
}

func finished(d time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: ago(d)}}
}

// podCells is the five default cells plus the wide ones of a pod with no
// IP, node or readiness gates.
func podCells(name, ready, status, restarts string) []interface{} {
	return []interface{}{name, ready, status, restarts, "<unknown>", "<none>", "<none>", "<none>", "<none>"}
}

// TestPodRow takes its cases from upstream's TestPrintPod.
func TestPodRow(t *testing.T) {
	deleted := agoPtr(10 * time.Second)
	withDeletion := func(p *corev1.Pod) *corev1.Pod { p.DeletionTimestamp = deleted; return p }
	checkRows(t, podGVK, []rowCase{
		{"restarts summed, one ready", pod("test1", 0, 2, corev1.PodStatus{Phase: "podPhase", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: running()}, {RestartCount: 3},
		}}), podCells("test1", "1/2", "podPhase", "6")},
		{"container waiting reason overrides phase", pod("test2", 0, 2, corev1.PodStatus{Phase: "podPhase", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: running()}, {State: waiting("ContainerWaitingReason"), RestartCount: 3},
		}}), podCells("test2", "1/2", "ContainerWaitingReason", "6")},
		{"first container wins", pod("test3", 0, 2, corev1.PodStatus{Phase: "podPhase", ContainerStatuses: []corev1.ContainerStatus{
			{State: waiting("ContainerWaitingReason"), RestartCount: 3}, {State: terminated("ContainerTerminatedReason", 0), RestartCount: 3},
		}}), podCells("test3", "0/2", "ContainerWaitingReason", "6")},
		{"ready without running is not ready", pod("test4", 0, 2, corev1.PodStatus{Phase: "podPhase", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: running()}, {Ready: true, RestartCount: 3},
		}}), podCells("test4", "1/2", "podPhase", "6")},
		{"pod reason overrides phase", pod("test5", 0, 2, corev1.PodStatus{Reason: "podReason", Phase: "podPhase", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: running()}, {Ready: true, RestartCount: 3},
		}}), podCells("test5", "1/2", "podReason", "6")},
		{"completed and running without ready condition", pod("test6", 0, 2, corev1.PodStatus{Phase: "Running", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: terminated("Completed", 0)}, {Ready: true, RestartCount: 3, State: running()},
		}}), podCells("test6", "1/2", "NotReady", "6")},
		{"completed and running with ready condition", pod("test6", 0, 2, corev1.PodStatus{Phase: "Running",
			ContainerStatuses: []corev1.ContainerStatus{{Ready: true, RestartCount: 3, State: terminated("Completed", 0)}, {Ready: true, RestartCount: 3, State: running()}},
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		}), podCells("test6", "1/2", "Running", "6")},
		{"init container restarting", pod("test7", 1, 1, corev1.PodStatus{Phase: "podPhase",
			InitContainerStatuses: []corev1.ContainerStatus{{RestartCount: 3, State: running(), LastTerminationState: finished(10 * time.Second)}},
			ContainerStatuses:     []corev1.ContainerStatus{{State: waiting("")}},
		}), podCells("test7", "0/1", "Init:0/1", "3 (10s ago)")},
		{"first of two init containers restarting", pod("test8", 2, 1, corev1.PodStatus{Phase: "podPhase",
			InitContainerStatuses: []corev1.ContainerStatus{{RestartCount: 3, State: running(), LastTerminationState: finished(10 * time.Second)}, {State: waiting("")}},
			ContainerStatuses:     []corev1.ContainerStatus{{State: waiting("")}},
		}), podCells("test8", "0/1", "Init:0/2", "3 (10s ago)")},
		{"second init container restarting", pod("test9", 2, 1, corev1.PodStatus{Phase: "podPhase",
			InitContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}, {RestartCount: 3, State: running(), LastTerminationState: finished(10 * time.Second)}},
			ContainerStatuses:     []corev1.ContainerStatus{{State: waiting("")}},
		}), podCells("test9", "0/1", "Init:1/2", "3 (10s ago)")},
		{"init restarts summed, latest restart shown", pod("test10", 2, 1, corev1.PodStatus{Phase: "podPhase",
			InitContainerStatuses: []corev1.ContainerStatus{
				{RestartCount: 2, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}, LastTerminationState: finished(2 * time.Minute)},
				{RestartCount: 3, State: running(), LastTerminationState: finished(10 * time.Second)},
			},
			ContainerStatuses: []corev1.ContainerStatus{{State: waiting("")}},
		}), podCells("test10", "0/1", "Init:1/2", "5 (10s ago)")},
		{"initialized pod counts only container restarts", pod("test11", 1, 1, corev1.PodStatus{Phase: "Running",
			InitContainerStatuses: []corev1.ContainerStatus{{RestartCount: 2, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}, LastTerminationState: finished(2 * time.Minute)}},
			ContainerStatuses:     []corev1.ContainerStatus{{RestartCount: 4, State: running(), LastTerminationState: finished(20 * time.Second)}},
		}), podCells("test11", "0/1", "Running", "4 (20s ago)")},
		{"restart days ago", pod("test12", 0, 1, corev1.PodStatus{Phase: "Running", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 3, State: running(), LastTerminationState: finished(5 * 24 * time.Hour)},
		}}), podCells("test12", "1/1", "Running", "3 (5d ago)")},
		{"latest of two restarts", pod("test14", 0, 2, corev1.PodStatus{Phase: "Running", ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 6, State: running(), LastTerminationState: finished(5 * 24 * time.Hour)},
			{Ready: true, RestartCount: 3, State: running(), LastTerminationState: finished(20 * 24 * time.Hour)},
		}}), podCells("test14", "2/2", "Running", "9 (5d ago)")},
		{"scheduling gated", pod("test15", 0, 2, corev1.PodStatus{Phase: "podPhase", Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated},
		}}), podCells("test15", "0/2", "SchedulingGated", "0")},
		{"succeeded", pod("test16", 0, 1, corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{
			{State: terminated("Completed", 0)},
		}}), podCells("test16", "0/1", "Completed", "0")},
		{"failed", pod("test17", 0, 1, corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{
			{State: terminated("Error", 1)},
		}}), podCells("test17", "0/1", "Error", "0")},
		{"succeeded while deleted stays completed", withDeletion(pod("test18", 0, 1, corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{
			{State: terminated("Completed", 0)},
		}})), podCells("test18", "0/1", "Completed", "0")},
		{"running while deleted is terminating", withDeletion(pod("test19", 0, 1, corev1.PodStatus{Phase: "Running", ContainerStatuses: []corev1.ContainerStatus{
			{State: running()},
		}})), podCells("test19", "0/1", "Terminating", "0")},
		{"pending while deleted is terminating", withDeletion(pod("test20", 0, 1, corev1.PodStatus{Phase: "Pending"})), podCells("test20", "0/1", "Terminating", "0")},
		{"deleted on a lost node is unknown", withDeletion(pod("lost", 0, 1, corev1.PodStatus{Phase: "Running", Reason: "NodeLost"})), podCells("lost", "0/1", "Unknown", "0")},
	})
}

// TestPodRowEveryday covers the statuses users see daily.
func TestPodRowEveryday(t *testing.T) {
	checkRows(t, podGVK, []rowCase{
		{"container creating", pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
			{State: waiting("ContainerCreating")},
		}}), podCells("web", "0/1", "ContainerCreating", "0")},
		{"crash loop", pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{RestartCount: 5, State: waiting("CrashLoopBackOff"), LastTerminationState: finished(2 * time.Minute)},
		}}), podCells("web", "0/1", "CrashLoopBackOff", "5 (2m ago)")},
		{"image pull back-off", pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
			{State: waiting("ImagePullBackOff")},
		}}), podCells("web", "0/1", "ImagePullBackOff", "0")},
		{"init done, containers initializing", pod("web", 1, 1, corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{State: terminated("Completed", 0)}},
			ContainerStatuses:     []corev1.ContainerStatus{{State: waiting("PodInitializing")}},
		}), podCells("web", "0/1", "PodInitializing", "0")},
		{"init container waiting for its image", pod("web", 1, 1, corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{State: waiting("ErrImagePull")}},
		}), podCells("web", "0/1", "Init:ErrImagePull", "0")},
		{"init container failed", pod("web", 1, 1, corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{State: terminated("Error", 1)}},
		}), podCells("web", "0/1", "Init:Error", "0")},
		{"init container killed by signal", pod("web", 1, 1, corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Signal: 9, ExitCode: 137}}}},
		}), podCells("web", "0/1", "Init:Signal:9", "0")},
		{"container exit code without reason", pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{State: terminated("", 3)},
		}}), podCells("web", "0/1", "ExitCode:3", "0")},
		{"restarts without a termination time", pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Ready: true, RestartCount: 2, State: running()},
		}}), podCells("web", "1/1", "Running", "2")},
	})
}

// TestPodRowSidecars takes its cases from upstream's
// TestPrintPodWithRestartableInitContainer.
func TestPodRowSidecars(t *testing.T) {
	sidecars := func(name string, phase corev1.PodPhase, initialized corev1.ConditionStatus, inits, containers []corev1.ContainerStatus) *corev1.Pod {
		always := corev1.ContainerRestartPolicyAlways
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "restartable-init-1", RestartPolicy: &always}, {Name: "restartable-init-2", RestartPolicy: &always}},
				Containers:     make([]corev1.Container, 1),
			},
			Status: corev1.PodStatus{
				Phase:                 phase,
				InitContainerStatuses: inits,
				ContainerStatuses:     containers,
				Conditions:            []corev1.PodCondition{{Type: corev1.PodInitialized, Status: initialized}},
			},
		}
	}
	checkRows(t, podGVK, []rowCase{
		{"first sidecar not started", sidecars("test1", corev1.PodPending, corev1.ConditionFalse, []corev1.ContainerStatus{
			{Name: "restartable-init-1", RestartCount: 3, State: running(), Started: ptr(false), LastTerminationState: finished(10 * time.Second)},
			{Name: "restartable-init-2", State: waiting(""), Started: ptr(false)},
		}, []corev1.ContainerStatus{{State: waiting("")}}), podCells("test1", "0/3", "Init:0/2", "3 (10s ago)")},
		{"second sidecar not started", sidecars("test1", corev1.PodPending, corev1.ConditionFalse, []corev1.ContainerStatus{
			{Name: "restartable-init-1", RestartCount: 3, State: running(), Started: ptr(true), LastTerminationState: finished(10 * time.Second)},
			{Name: "restartable-init-2", State: running(), Started: ptr(false)},
		}, []corev1.ContainerStatus{{State: waiting("")}}), podCells("test1", "0/3", "Init:1/2", "3 (10s ago)")},
		{"sidecars started and container running", sidecars("test2", corev1.PodRunning, corev1.ConditionTrue, []corev1.ContainerStatus{
			{Name: "restartable-init-1", RestartCount: 3, State: running(), Started: ptr(true), LastTerminationState: finished(10 * time.Second)},
			{Name: "restartable-init-2", State: running(), Started: ptr(true)},
		}, []corev1.ContainerStatus{{Ready: true, RestartCount: 4, State: running(), LastTerminationState: finished(20 * time.Second)}}),
			podCells("test2", "1/3", "Running", "7 (10s ago)")},
		{"sidecars failed and container completed", sidecars("test3", corev1.PodSucceeded, corev1.ConditionTrue, []corev1.ContainerStatus{
			{Name: "restartable-init-1", RestartCount: 3, State: terminated("Error", 137), Started: ptr(false), LastTerminationState: finished(10 * time.Second)},
			{Name: "restartable-init-2", State: terminated("Error", 137), Started: ptr(false)},
		}, []corev1.ContainerStatus{{RestartCount: 4, State: terminated("Completed", 0), LastTerminationState: finished(20 * time.Second)}}),
			podCells("test3", "0/3", "Completed", "7 (10s ago)")},
	})
}

// TestPodRowWide takes its case from upstream's TestPrintPodwide.
func TestPodRowWide(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "test1", CreationTimestamp: ago(90 * time.Minute)},
		Spec: corev1.PodSpec{
			Containers:     make([]corev1.Container, 2),
			NodeName:       "test1",
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "condition1"}, {ConditionType: "condition2"}, {ConditionType: "condition3"}},
		},
		Status: corev1.PodStatus{
			Conditions: []corev1.PodCondition{{Type: "condition1", Status: corev1.ConditionFalse}, {Type: "condition2", Status: corev1.ConditionTrue}},
			Phase:      "podPhase",
			PodIPs:     []corev1.PodIP{{IP: "1.1.1.1"}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Ready: true, RestartCount: 3, State: running()},
				{RestartCount: 3},
			},
			NominatedNodeName: "node1",
		},
	}
	checkRows(t, podGVK, []rowCase{
		{"ip node nominated node gates", p, []interface{}{"test1", "1/2", "podPhase", "6", "90m", "1.1.1.1", "test1", "node1", "1/3"}},
	})
}

func TestPodTemplateRow(t *testing.T) {
	tmpl := &corev1.PodTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-template-1"},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "fake-container1", Image: "fake-image1"}, {Name: "fake-container2", Image: "fake-image2"}}},
		},
	}
	checkRows(t, corev1.SchemeGroupVersion.WithKind("PodTemplate"), []rowCase{
		{"two containers", tmpl, []interface{}{"pod-template-1", "fake-container1,fake-container2", "fake-image1,fake-image2", "a=b"}},
		{"no labels", &corev1.PodTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"}}, []interface{}{"t", "", "", "<none>"}},
	})
}

// TestPodRowIPPrefersPodIP checks the IP cell against upstream's v1
// conversion, which makes status.podIP authoritative over status.podIPs.
func TestPodRowIPPrefersPodIP(t *testing.T) {
	withIPs := func(podIP string, podIPs ...string) *corev1.Pod {
		p := pod("web", 0, 1, corev1.PodStatus{Phase: corev1.PodRunning, PodIP: podIP})
		for _, ip := range podIPs {
			p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
		}
		return p
	}
	cells := func(ip string) []interface{} {
		return []interface{}{"web", "0/1", "Running", "0", "<unknown>", ip, "<none>", "<none>", "<none>"}
	}
	checkRows(t, podGVK, []rowCase{
		{"podIP only", withIPs("10.0.0.5"), cells("10.0.0.5")},
		{"podIPs only", withIPs("", "10.0.0.6", "fd00::6"), cells("10.0.0.6")},
		{"podIP differs from podIPs", withIPs("10.0.0.7", "10.0.0.8"), cells("10.0.0.7")},
		{"neither", withIPs(""), cells("<none>")},
	})
}

// TestPodRowConditions checks the Completed row condition upstream's
// printPod sets on succeeded and failed pods, and only on them.
func TestPodRowConditions(t *testing.T) {
	p := For(podGVK)
	if p.Conditions == nil {
		t.Fatal("pod printer has no Conditions")
	}
	completed := func(reason, message string) []metav1.TableRowCondition {
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: reason, Message: message}}
	}
	tests := []struct {
		phase corev1.PodPhase
		want  []metav1.TableRowCondition
	}{
		{corev1.PodSucceeded, completed("Succeeded", "The pod has completed successfully.")},
		{corev1.PodFailed, completed("Failed", "The pod failed.")},
		{corev1.PodRunning, nil},
		{corev1.PodPending, nil},
		{"", nil},
	}
	for _, tc := range tests {
		got := p.Conditions(pod("p", 0, 1, corev1.PodStatus{Phase: tc.phase}))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Conditions(phase %q) = %#v; want %#v", tc.phase, got, tc.want)
		}
	}
	if got := p.Conditions(&corev1.Node{}); got != nil {
		t.Errorf("Conditions(*Node) = %#v; want nil", got)
	}
	for gvk := range servedObjects() {
		if q := For(gvk); q != nil && q.Conditions != nil && gvk.Kind != "Pod" {
			t.Errorf("For(%v) has row conditions; upstream sets them only on pods", gvk)
		}
	}
}
