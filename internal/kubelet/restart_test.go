package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testclock "k8s.io/utils/clock/testing"
)

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		name   string
		policy corev1.RestartPolicy
		code   int32
		want   bool
	}{
		{"always after success", corev1.RestartPolicyAlways, 0, true},
		{"always after failure", corev1.RestartPolicyAlways, 1, true},
		{"on failure after success", corev1.RestartPolicyOnFailure, 0, false},
		{"on failure after failure", corev1.RestartPolicyOnFailure, 137, true},
		{"never after failure", corev1.RestartPolicyNever, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shouldRestart(tt.policy, tt.code); got != tt.want {
				t.Errorf("shouldRestart(%s, %d) = %v; want %v", tt.policy, tt.code, got, tt.want)
			}
		})
	}
}

// TestCrashLoopBackOff crashes a container at once after every start and
// checks the restarts decide allows: the first at once, then after 10 s,
// 20 s, 40 s ... up to 5 min, and at once again after a quiet spell.
func TestCrashLoopBackOff(t *testing.T) {
	clk := testclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pod := testPod(corev1.RestartPolicyAlways)
	b := backoff{}
	crashed := func() PodStatus {
		return PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}, Containers: map[string]ContainerStatus{
			"app": {Name: "app", State: ContainerExited, ExitCode: 1, FinishedAt: clk.Now()},
		}}
	}
	wantWaits := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, want := range wantWaits {
		rs := crashed()
		d := decide(pod, rs, true, b, clk.Now())
		if want == 0 {
			if len(d.Actions) != 1 || d.Actions[0].Kind != actStart {
				t.Fatalf("restart %d: actions = %v; want a start at once", i, d.Actions)
			}
		} else {
			if len(d.Actions) != 0 || d.Requeue != want || d.Waiting["app"].Reason != "CrashLoopBackOff" {
				t.Fatalf("restart %d: actions %v, requeue %s, waiting %v; want CrashLoopBackOff for %s", i, d.Actions, d.Requeue, d.Waiting, want)
			}
			clk.Step(want - time.Second)
			if d := decide(pod, rs, true, b, clk.Now()); len(d.Actions) != 0 {
				t.Fatalf("restart %d: a second early, actions = %v; want none", i, d.Actions)
			}
			clk.Step(time.Second)
			if d := decide(pod, rs, true, b, clk.Now()); len(d.Actions) != 1 {
				t.Fatalf("restart %d: after %s, actions = %v; want a start", i, want, d.Actions)
			}
		}
		b.restarted("app", clk.Now())
	}
	clk.Step(11 * time.Minute)
	if d := decide(pod, crashed(), true, b, clk.Now()); len(d.Actions) != 1 {
		t.Errorf("after 11 quiet minutes, actions = %v; want a start at once", d.Actions)
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	exited := func(code int32) ContainerStatus {
		return ContainerStatus{State: ContainerExited, ExitCode: code, FinishedAt: now}
	}
	running := ContainerStatus{State: ContainerRunning}
	withInit := testPod(corev1.RestartPolicyAlways)
	withInit.Spec.InitContainers = []corev1.Container{{Name: "i1"}, {Name: "i2"}}
	deleting := testPod(corev1.RestartPolicyAlways)
	deleting.DeletionTimestamp = &metav1Now
	done := testPod(corev1.RestartPolicyAlways)
	done.Status.Phase = corev1.PodSucceeded
	tests := []struct {
		name       string
		pod        *corev1.Pod
		containers map[string]ContainerStatus
		noSandbox  bool
		want       []action
	}{
		{"no sandbox", testPod(corev1.RestartPolicyAlways), nil, true, []action{{Kind: actSandbox}}},
		{"start containers", testPod(corev1.RestartPolicyAlways), nil, false, []action{{actStart, "app"}}},
		{"first init container first", withInit, nil, false, []action{{actStartInit, "i1"}}},
		{"init containers in order", withInit, map[string]ContainerStatus{"i1": exited(0)}, false, []action{{actStartInit, "i2"}}},
		{"wait for a running init container", withInit, map[string]ContainerStatus{"i1": running}, false, nil},
		{"containers after init", withInit, map[string]ContainerStatus{"i1": exited(0), "i2": exited(0)}, false, []action{{actStart, "app"}}},
		{"restart a failed init container", withInit, map[string]ContainerStatus{"i1": exited(1)}, false, []action{{actStartInit, "i1"}}},
		{"running: nothing to do", testPod(corev1.RestartPolicyAlways), map[string]ContainerStatus{"app": running}, false, nil},
		{"never: no restart", testPod(corev1.RestartPolicyNever), map[string]ContainerStatus{"app": exited(1)}, false, nil},
		{"on failure: no restart after success", testPod(corev1.RestartPolicyOnFailure), map[string]ContainerStatus{"app": exited(0)}, false, nil},
		{"on failure: restart after failure", testPod(corev1.RestartPolicyOnFailure), map[string]ContainerStatus{"app": exited(3)}, false, []action{{actStart, "app"}}},
		{"deletion stops running containers", deleting, map[string]ContainerStatus{"app": running}, false, []action{{Kind: actStop}}},
		{"deletion of a stopped pod", deleting, map[string]ContainerStatus{"app": exited(0)}, false, nil},
		{"terminal pods are not restarted", done, map[string]ContainerStatus{"app": exited(0)}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := PodStatus{Sandbox: Sandbox{ID: "s"}, Containers: tt.containers}
			for name, c := range rs.Containers {
				c.Name = name
				rs.Containers[name] = c
			}
			got := decide(tt.pod, rs, !tt.noSandbox, backoff{}, now)
			if len(got.Actions) != len(tt.want) {
				t.Fatalf("decide = %v; want %v", got.Actions, tt.want)
			}
			for i := range got.Actions {
				if got.Actions[i] != tt.want[i] {
					t.Errorf("decide = %v; want %v", got.Actions, tt.want)
				}
			}
		})
	}
}

// TestActiveDeadline: a pod with spec.activeDeadlineSeconds is looked at
// again when its deadline comes, then stopped for good and Failed with
// upstream's reason and message; no start time, no deadline yet.
func TestActiveDeadline(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := testPod(corev1.RestartPolicyAlways)
	pod.Spec.ActiveDeadlineSeconds = ptrTo(int64(30))
	running := PodStatus{Sandbox: Sandbox{ID: "s", IP: "10.42.0.2"}, Containers: map[string]ContainerStatus{
		"app": {Name: "app", State: ContainerRunning, StartedAt: start, Ready: true}}}

	if d := decide(pod, running, true, backoff{}, start.Add(time.Hour)); d.DeadlineExceeded || d.Requeue != 0 {
		t.Errorf("no start time: %+v; want no deadline", d)
	}
	st := metav1.NewTime(start)
	pod.Status.StartTime = &st
	d := decide(pod, running, true, backoff{}, start.Add(10*time.Second))
	if d.DeadlineExceeded || d.Requeue != 20*time.Second || len(d.Actions) != 0 {
		t.Errorf("10 s in: %+v; want nothing to do and a look again in 20 s", d)
	}
	d = decide(pod, running, true, backoff{}, start.Add(30*time.Second))
	if !d.DeadlineExceeded || len(d.Actions) != 1 || d.Actions[0].Kind != actStop {
		t.Errorf("at the deadline: %+v; want the pod stopped", d)
	}
	stopped := PodStatus{Sandbox: running.Sandbox, Containers: map[string]ContainerStatus{
		"app": {Name: "app", State: ContainerExited, ExitCode: 137, FinishedAt: start.Add(31 * time.Second)}}}
	d = decide(pod, stopped, true, backoff{}, start.Add(31*time.Second))
	if !d.DeadlineExceeded || len(d.Actions) != 0 {
		t.Errorf("stopped past the deadline: %+v; want no restart", d)
	}
	s := podStatus(statusInput{Pod: pod, Runtime: stopped, HasRuntime: true, HostIP: "127.0.0.1", Now: start.Add(31 * time.Second), DeadlineExceeded: true})
	if s.Phase != corev1.PodFailed || s.Reason != "DeadlineExceeded" || s.Message != "Pod was active on the node longer than the specified deadline" {
		t.Errorf("status past the deadline: phase %s reason %q message %q; want Failed DeadlineExceeded", s.Phase, s.Reason, s.Message)
	}
	if m := mergeStatus(pod.Status, s); m.Reason != "DeadlineExceeded" {
		t.Errorf("merged status reason %q; want the kubelet's DeadlineExceeded", m.Reason)
	}
}

func ptrTo[T any](v T) *T { return &v }
