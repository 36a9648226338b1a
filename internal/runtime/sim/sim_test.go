package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testclock "k8s.io/utils/clock/testing"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

func TestNodeCIDR(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "10.42.0.0/24"}, {7, "10.42.7.0/24"}, {255, "10.42.255.0/24"}, {256, "10.44.0.0/24"}, {999, "10.46.231.0/24"}}
	for _, tt := range tests {
		if got := NodeCIDR(tt.n); got != tt.want {
			t.Errorf("NodeCIDR(%d) = %s; want %s", tt.n, got, tt.want)
		}
	}
}

// TestLifecycle starts a pod with latency on a fake clock, crashes it,
// restarts it and stops it.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := testclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := New(Config{StartLatency: 50 * time.Millisecond, PodCIDR: NodeCIDR(3), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	woken := make(chan types.UID, 10)
	rt.SetNotify(func(uid types.UID) { woken <- uid })
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	sb, err := rt.RunSandbox(ctx, pod)
	if err != nil || sb.IP != "10.42.3.2" {
		t.Fatalf("RunSandbox = %v, %v; want IP 10.42.3.2", sb, err)
	}
	if again, _ := rt.RunSandbox(ctx, pod); again != sb {
		t.Errorf("second RunSandbox = %v; want %v", again, sb)
	}
	if err := rt.StartContainer(ctx, pod, &pod.Spec.Containers[0], false); err != nil {
		t.Fatal(err)
	}
	state := func() kubelet.ContainerStatus { st, _ := rt.PodStatus("u1"); return st.Containers["app"] }
	if got := state().State; got != kubelet.ContainerCreated {
		t.Errorf("state before the latency = %v; want created", got)
	}
	clk.Step(50 * time.Millisecond)
	if uid := <-woken; uid != "u1" {
		t.Errorf("notified %s; want u1", uid)
	}
	if c := state(); c.State != kubelet.ContainerRunning || !c.Ready {
		t.Errorf("after the latency: state %v ready %v; want running and ready", c.State, c.Ready)
	}
	if err := rt.SetReady("ns", "p", "app", false); err != nil || state().Ready {
		t.Errorf("SetReady false: err %v, ready %v; want not ready", err, state().Ready)
	}
	<-woken
	if err := rt.Crash("ns", "p", "app", 3); err != nil {
		t.Fatal(err)
	}
	<-woken
	if c := state(); c.State != kubelet.ContainerExited || c.ExitCode != 3 {
		t.Errorf("after Crash: state %v exit %d; want exited 3", c.State, c.ExitCode)
	}
	if err := rt.StartContainer(ctx, pod, &pod.Spec.Containers[0], false); err != nil {
		t.Fatal(err)
	}
	if c := state(); c.Attempt != 1 || c.Previous == nil || c.Previous.ExitCode != 3 {
		t.Errorf("restart: attempt %d previous %v; want attempt 1 after exit 3", c.Attempt, c.Previous)
	}
	if err := rt.StopPod(ctx, pod, 0); err != nil {
		t.Fatal(err)
	}
	if c := state(); c.State != kubelet.ContainerExited {
		t.Errorf("after StopPod: state %v; want exited", c.State)
	}
	if err := rt.RemovePod(ctx, "u1"); err != nil || rt.PodCount() != 0 {
		t.Errorf("RemovePod: err %v, pods %d; want none", err, rt.PodCount())
	}
}

// TestBadAnnotations: a simulated pod whose annotations do not parse
// starts no container, and the error names the annotation.
func TestBadAnnotations(t *testing.T) {
	for _, tt := range []struct {
		ann   map[string]string
		named string
	}{
		{map[string]string{ExitAfterAnnotation: "soon"}, ExitAfterAnnotation},
		{map[string]string{ExitAfterAnnotation: "-2s"}, ExitAfterAnnotation},
		{map[string]string{ExitAfterAnnotation: "2s", ExitCodeAnnotation: "x"}, ExitCodeAnnotation},
		{map[string]string{ExitCodeAnnotation: "3"}, ExitAfterAnnotation},
		{map[string]string{CPUUsageAnnotation: "lots"}, CPUUsageAnnotation},
		{map[string]string{MemoryUsageAnnotation: "-5Mi"}, MemoryUsageAnnotation},
	} {
		ann, named := tt.ann, tt.named
		ctx := context.Background()
		rt, err := New(Config{PodCIDR: NodeCIDR(1), Clock: testclock.NewFakeClock(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Annotations: ann},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}
		if _, err := rt.RunSandbox(ctx, pod); err != nil {
			t.Fatal(err)
		}
		err = rt.StartContainer(ctx, pod, &pod.Spec.Containers[0], false)
		if err == nil || !strings.Contains(err.Error(), named) {
			t.Errorf("annotations %v: StartContainer error %v; want one naming %s", ann, err, named)
		}
		if st, _ := rt.PodStatus("u1"); len(st.Containers) != 0 {
			t.Errorf("annotations %v: containers %v; want none started", ann, st.Containers)
		}
	}
}

// TestExitAnnotations: a pod annotated to exit does so after the delay
// with the code, on the fake clock; an unannotated pod keeps running.
func TestExitAnnotations(t *testing.T) {
	tests := []struct {
		name     string
		ann      map[string]string
		wantExit bool
		wantCode int32
	}{
		{name: "no annotation", ann: nil},
		{name: "exit 0 after 2s", ann: map[string]string{ExitAfterAnnotation: "2s"}, wantExit: true},
		{name: "exit 3 after 2s", ann: map[string]string{ExitAfterAnnotation: "2s", ExitCodeAnnotation: "3"}, wantExit: true, wantCode: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clk := testclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			rt, err := New(Config{PodCIDR: NodeCIDR(1), Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			woken := make(chan types.UID, 10)
			rt.SetNotify(func(uid types.UID) { woken <- uid })
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Annotations: tt.ann},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}
			if _, err := rt.RunSandbox(ctx, pod); err != nil {
				t.Fatal(err)
			}
			if err := rt.StartContainer(ctx, pod, &pod.Spec.Containers[0], false); err != nil {
				t.Fatal(err)
			}
			clk.Step(time.Second)
			if st, _ := rt.PodStatus("u1"); st.Containers["app"].State != kubelet.ContainerRunning {
				t.Fatalf("state after 1s = %v; want running", st.Containers["app"].State)
			}
			clk.Step(time.Second)
			if tt.wantExit {
				<-woken
			}
			c := func() kubelet.ContainerStatus { st, _ := rt.PodStatus("u1"); return st.Containers["app"] }()
			if got := c.State == kubelet.ContainerExited; got != tt.wantExit {
				t.Fatalf("exited after 2s = %v; want %v", got, tt.wantExit)
			}
			if tt.wantExit && c.ExitCode != tt.wantCode {
				t.Errorf("exit code = %d; want %d", c.ExitCode, tt.wantCode)
			}
		})
	}
}
