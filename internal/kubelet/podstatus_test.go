package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestPodStatus(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := ContainerStatus{State: ContainerRunning, StartedAt: now, Ready: true, ID: "sim://c", ImageID: "sim://img"}
	unready := ContainerStatus{State: ContainerRunning, StartedAt: now}
	exit := func(code int32) ContainerStatus {
		return ContainerStatus{State: ContainerExited, ExitCode: code, FinishedAt: now, Reason: "Error"}
	}
	withInit := func(p *corev1.Pod) *corev1.Pod {
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
		return p
	}
	type conds struct{ initialized, containersReady, ready corev1.ConditionStatus }
	tests := []struct {
		name       string
		pod        *corev1.Pod
		containers map[string]ContainerStatus
		noSandbox  bool
		waiting    map[string]waitReason
		terminal   bool
		wantPhase  corev1.PodPhase
		wantConds  conds
		wantState  string // state of container "app": waiting reason, running, terminated
	}{
		{"no sandbox yet", testPod(corev1.RestartPolicyAlways), nil, true, nil, false,
			corev1.PodPending, conds{"True", "False", "False"}, "ContainerCreating"},
		{"running and ready", testPod(corev1.RestartPolicyAlways), map[string]ContainerStatus{"app": run}, false, nil, false,
			corev1.PodRunning, conds{"True", "True", "True"}, "running"},
		{"running, probe failing", testPod(corev1.RestartPolicyAlways), map[string]ContainerStatus{"app": unready}, false, nil, false,
			corev1.PodRunning, conds{"True", "False", "False"}, "running"},
		{"init container running", withInit(testPod(corev1.RestartPolicyAlways)), map[string]ContainerStatus{"init": unready}, false, nil, false,
			corev1.PodPending, conds{"False", "False", "False"}, "PodInitializing"},
		{"init container failed, never", withInit(testPod(corev1.RestartPolicyNever)), map[string]ContainerStatus{"init": exit(1)}, false, nil, false,
			corev1.PodFailed, conds{"False", "False", "False"}, "PodInitializing"},
		{"crash loop", testPod(corev1.RestartPolicyAlways), map[string]ContainerStatus{"app": exit(1)}, false,
			map[string]waitReason{"app": {Reason: "CrashLoopBackOff"}}, false,
			corev1.PodRunning, conds{"True", "False", "False"}, "CrashLoopBackOff"},
		{"runtime could not create it", testPod(corev1.RestartPolicyAlways), nil, false,
			map[string]waitReason{"app": {Reason: "CreateContainerError", Message: "bad annotation"}}, false,
			corev1.PodPending, conds{"True", "False", "False"}, "CreateContainerError"},
		{"completed, never", testPod(corev1.RestartPolicyNever), map[string]ContainerStatus{"app": exit(0)}, false, nil, false,
			corev1.PodSucceeded, conds{"True", "False", "False"}, "terminated"},
		{"failed, never", testPod(corev1.RestartPolicyNever), map[string]ContainerStatus{"app": exit(2)}, false, nil, false,
			corev1.PodFailed, conds{"True", "False", "False"}, "terminated"},
		{"failed, on failure", testPod(corev1.RestartPolicyOnFailure), map[string]ContainerStatus{"app": exit(2)}, false, nil, false,
			corev1.PodRunning, conds{"True", "False", "False"}, "terminated"},
		{"stopped for deletion", testPod(corev1.RestartPolicyAlways), map[string]ContainerStatus{"app": exit(0)}, false, nil, true,
			corev1.PodSucceeded, conds{"True", "False", "False"}, "terminated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}, Containers: tt.containers}
			for name, c := range rs.Containers {
				c.Name = name
				rs.Containers[name] = c
			}
			st := podStatus(statusInput{Pod: tt.pod, Runtime: rs, HasRuntime: !tt.noSandbox, Waiting: tt.waiting, HostIP: "127.0.0.1", Now: now, Terminal: tt.terminal})
			if st.Phase != tt.wantPhase {
				t.Errorf("phase = %s; want %s", st.Phase, tt.wantPhase)
			}
			got := conds{}
			for _, c := range st.Conditions {
				switch c.Type {
				case corev1.PodInitialized:
					got.initialized = c.Status
				case corev1.ContainersReady:
					got.containersReady = c.Status
				case corev1.PodReady:
					got.ready = c.Status
				}
			}
			if got != tt.wantConds {
				t.Errorf("Initialized, ContainersReady, Ready = %v; want %v", got, tt.wantConds)
			}
			if s := stateOf(st.ContainerStatuses[0]); s != tt.wantState {
				t.Errorf("app state = %s; want %s", s, tt.wantState)
			}
			if tt.noSandbox && st.PodIP != "" || !tt.noSandbox && st.PodIP != "10.42.0.2" {
				t.Errorf("podIP = %q (sandbox %v)", st.PodIP, !tt.noSandbox)
			}
		})
	}
}

func stateOf(s corev1.ContainerStatus) string {
	switch {
	case s.State.Running != nil:
		return "running"
	case s.State.Terminated != nil:
		return "terminated"
	case s.State.Waiting != nil:
		return s.State.Waiting.Reason
	}
	return ""
}

func TestQOSClass(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		out := corev1.ResourceList{}
		if cpu != "" {
			out[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			out[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return out
	}
	tests := []struct {
		name string
		res  corev1.ResourceRequirements
		want corev1.PodQOSClass
	}{
		{"nothing", corev1.ResourceRequirements{}, corev1.PodQOSBestEffort},
		{"limits equal requests", corev1.ResourceRequirements{Requests: rl("1", "1Gi"), Limits: rl("1", "1Gi")}, corev1.PodQOSGuaranteed},
		{"limits only", corev1.ResourceRequirements{Limits: rl("1", "1Gi")}, corev1.PodQOSGuaranteed},
		{"requests only", corev1.ResourceRequirements{Requests: rl("100m", "")}, corev1.PodQOSBurstable},
		{"limits above requests", corev1.ResourceRequirements{Requests: rl("1", "1Gi"), Limits: rl("2", "1Gi")}, corev1.PodQOSBurstable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPod(corev1.RestartPolicyAlways)
			p.Spec.Containers[0].Resources = tt.res
			if got := qosClass(p); got != tt.want {
				t.Errorf("qosClass(%v) = %s; want %s", tt.res, got, tt.want)
			}
		})
	}
}

// TestReadinessGates: a pod whose containers are ready is Ready only once
// every readiness gate's condition is True, with upstream's reason and
// messages meanwhile; ContainersReady does not wait for the gates.
func TestReadinessGates(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := ContainerStatus{Name: "app", State: ContainerRunning, StartedAt: now, Ready: true}
	tests := []struct {
		name       string
		conditions []corev1.PodCondition
		wantReady  corev1.ConditionStatus
		wantMsg    string
	}{
		{name: "no condition yet", wantReady: corev1.ConditionFalse,
			wantMsg: `corresponding condition of pod readiness gate "example.com/lb" does not exist., ` +
				`corresponding condition of pod readiness gate "example.com/dns" does not exist.`},
		{name: "one False", conditions: []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}, {Type: "example.com/dns", Status: corev1.ConditionFalse}},
			wantReady: corev1.ConditionFalse, wantMsg: `the status of pod readiness gate "example.com/dns" is not "True", but False`},
		{name: "both True", conditions: []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}, {Type: "example.com/dns", Status: corev1.ConditionTrue}},
			wantReady: corev1.ConditionTrue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(corev1.RestartPolicyAlways)
			pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
			pod.Status.Conditions = tt.conditions
			rs := PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}, Containers: map[string]ContainerStatus{"app": run}}
			st := podStatus(statusInput{Pod: pod, Runtime: rs, HasRuntime: true, HostIP: "127.0.0.1", Now: now})
			for _, c := range st.Conditions {
				switch c.Type {
				case corev1.PodReady:
					wantReason := ""
					if tt.wantReady == corev1.ConditionFalse {
						wantReason = "ReadinessGatesNotReady"
					}
					if c.Status != tt.wantReady || c.Reason != wantReason || c.Message != tt.wantMsg {
						t.Errorf("Ready = %s %q %q; want %s %q %q", c.Status, c.Reason, c.Message, tt.wantReady, wantReason, tt.wantMsg)
					}
				case corev1.ContainersReady:
					if c.Status != corev1.ConditionTrue {
						t.Errorf("ContainersReady = %s; want True (the gates are not containers)", c.Status)
					}
				}
			}
		})
	}
}

// TestHostNetworkPodIP: a pod on the host's network reports the node's
// address as its IP, not the sandbox's.
func TestHostNetworkPodIP(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, host := range []bool{false, true} {
		pod := testPod(corev1.RestartPolicyAlways)
		pod.Spec.HostNetwork = host
		rs := PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}}
		st := podStatus(statusInput{Pod: pod, Runtime: rs, HasRuntime: true, HostIP: "127.0.0.7", Now: now})
		want := "10.42.0.2"
		if host {
			want = "127.0.0.7"
		}
		if st.PodIP != want || len(st.PodIPs) != 1 || st.PodIPs[0].IP != want {
			t.Errorf("hostNetwork %v: podIP %q, podIPs %v; want %s", host, st.PodIP, st.PodIPs, want)
		}
	}
}

// TestRestartedRunningLastState: a restarted container that runs again
// shows its previous instance's exit as lastState.terminated, as upstream
// (kubectl logs --previous reads that instance).
func TestRestartedRunningLastState(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := ContainerStatus{Name: "app", ID: "sim://app-1", State: ContainerExited, ExitCode: 2, Reason: "Error", StartedAt: now, FinishedAt: now}
	run := ContainerStatus{Name: "app", ID: "sim://app-2", State: ContainerRunning, StartedAt: now, Ready: true, Attempt: 1, Previous: &prev}
	rs := PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}, Containers: map[string]ContainerStatus{"app": run}}
	st := podStatus(statusInput{Pod: testPod(corev1.RestartPolicyAlways), Runtime: rs, HasRuntime: true, HostIP: "127.0.0.1", Now: now})
	cs := st.ContainerStatuses[0]
	last := cs.LastTerminationState.Terminated
	if cs.State.Running == nil || cs.RestartCount != 1 || last == nil || last.ContainerID != "sim://app-1" || last.ExitCode != 2 {
		t.Errorf("restarted running container: state %+v, restarts %d, lastState %+v; want running, 1, terminated sim://app-1 exit 2",
			cs.State, cs.RestartCount, cs.LastTerminationState)
	}
}
