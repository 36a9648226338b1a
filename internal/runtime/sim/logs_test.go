package sim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

var logStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newLogPod returns a runtime on a fake clock at logStart holding pod
// ns/p (UID u1) with init container setup and container app, annotated
// with ann, its sandbox made.
func newLogPod(t *testing.T, ann map[string]string) (*Runtime, *testclock.FakeClock, *corev1.Pod) {
	t.Helper()
	clk := testclock.NewFakeClock(logStart)
	rt, err := New(Config{PodCIDR: NodeCIDR(0), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Annotations: ann},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "setup", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "app", Image: "nginx"}},
		}}
	if _, err := rt.RunSandbox(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	return rt, clk, pod
}

// start starts the pod's container, or its init container when init.
func start(t *testing.T, rt *Runtime, pod *corev1.Pod, init bool) {
	t.Helper()
	c := &pod.Spec.Containers[0]
	if init {
		c = &pod.Spec.InitContainers[0]
	}
	if err := rt.StartContainer(context.Background(), pod, c, init); err != nil {
		t.Fatal(err)
	}
}

// readLog returns what ContainerLog writes without following.
func readLog(rt *Runtime, name string, opts kubelet.LogOptions) (string, error) {
	var b strings.Builder
	err := rt.ContainerLog(context.Background(), "u1", name, opts, &b)
	return b.String(), err
}

// TestContainerLogAnnotation: every container of an annotated pod, init
// containers too, logs the annotation's lines as it turns Running; a pod
// without the annotation logs nothing.
func TestContainerLogAnnotation(t *testing.T) {
	tests := []struct {
		name string
		ann  map[string]string
		want string
	}{
		{"no annotation", nil, ""},
		{"empty annotation", map[string]string{LogAnnotation: ""}, ""},
		{"lines", map[string]string{LogAnnotation: "starting\n\nlistening on :8080\n"}, "starting\n\nlistening on :8080\n"},
		{"no final newline", map[string]string{LogAnnotation: "one\ntwo"}, "one\ntwo\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, _, pod := newLogPod(t, tt.ann)
			start(t, rt, pod, true)
			start(t, rt, pod, false)
			for _, name := range []string{"setup", "app"} {
				if got, err := readLog(rt, name, kubelet.LogOptions{}); got != tt.want || err != nil {
					t.Errorf("log of %s = %q, %v; want %q", name, got, err, tt.want)
				}
			}
		})
	}
}

// TestContainerLogStartLatency: the lines are stamped when the instance
// turns Running, not when it is created.
func TestContainerLogStartLatency(t *testing.T) {
	clk := testclock.NewFakeClock(logStart)
	rt, err := New(Config{StartLatency: 3 * time.Second, PodCIDR: NodeCIDR(0), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	woken := make(chan struct{}, 10)
	rt.SetNotify(func(types.UID) { woken <- struct{}{} })
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1",
		Annotations: map[string]string{LogAnnotation: "hello"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	if _, err := rt.RunSandbox(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	start(t, rt, pod, false)
	if got, err := readLog(rt, "app", kubelet.LogOptions{}); got != "" || err != nil {
		t.Errorf("log while created = %q, %v; want empty", got, err)
	}
	clk.Step(3 * time.Second)
	<-woken
	want := "2026-01-01T00:00:03.000000000Z hello\n"
	if got, err := readLog(rt, "app", kubelet.LogOptions{Timestamps: true}); got != want || err != nil {
		t.Errorf("log once running = %q, %v; want %q", got, err, want)
	}
}

// TestContainerLogInstances: the log belongs to the instance. A restart
// starts a fresh log, the previous instance's stays readable with
// Previous (one previous only), and the errors say what is missing.
func TestContainerLogInstances(t *testing.T) {
	rt, clk, pod := newLogPod(t, map[string]string{LogAnnotation: "hello"})
	ts := kubelet.LogOptions{Timestamps: true}
	prev := kubelet.LogOptions{Timestamps: true, Previous: true}

	if _, err := readLog(rt, "app", ts); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "never started") {
		t.Errorf("log of a container never started: %v; want an error saying so", err)
	}
	var b strings.Builder
	if err := rt.ContainerLog(context.Background(), "nope", "app", ts, &b); !apierrors.IsNotFound(err) {
		t.Errorf("log of an unknown pod: %v; want NotFound", err)
	}
	start(t, rt, pod, false)
	if _, err := readLog(rt, "app", prev); err == nil || !strings.Contains(err.Error(), "no previous instance") {
		t.Errorf("previous log of a first instance: %v; want an error saying there is none", err)
	}
	for i, at := range []string{"00:00:10", "00:00:20"} {
		clk.Step(10 * time.Second)
		if err := rt.Crash("ns", "p", "app", 1); err != nil {
			t.Fatal(err)
		}
		start(t, rt, pod, false)
		wantPrev := "2026-01-01T00:00:00.000000000Z hello\n"
		if i == 1 {
			wantPrev = "2026-01-01T00:00:10.000000000Z hello\n"
		}
		if got, err := readLog(rt, "app", ts); got != "2026-01-01T"+at+".000000000Z hello\n" || err != nil {
			t.Errorf("restart %d: log = %q, %v; want the line stamped %s", i+1, got, err, at)
		}
		if got, err := readLog(rt, "app", prev); got != wantPrev || err != nil {
			t.Errorf("restart %d: previous log = %q, %v; want %q", i+1, got, err, wantPrev)
		}
	}
	if err := rt.RemovePod(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := readLog(rt, "app", ts); !apierrors.IsNotFound(err) {
		t.Errorf("log after RemovePod: %v; want NotFound", err)
	}
}

// TestContainerLogOptions applies since, tail, timestamps and limitBytes
// as upstream's CRI log reader does: tail first, then since.
func TestContainerLogOptions(t *testing.T) {
	rt, _, pod := newLogPod(t, map[string]string{LogAnnotation: "one\ntwo"})
	start(t, rt, pod, false)
	// a third line, logged 5 s after the start
	appendLine(rt, "app", logStart.Add(5*time.Second), "three")
	at := func(d time.Duration) time.Time { return logStart.Add(d) }
	tests := []struct {
		name string
		opts kubelet.LogOptions
		want string
	}{
		{"all", kubelet.LogOptions{}, "one\ntwo\nthree\n"},
		{"timestamps", kubelet.LogOptions{Timestamps: true},
			"2026-01-01T00:00:00.000000000Z one\n2026-01-01T00:00:00.000000000Z two\n2026-01-01T00:00:05.000000000Z three\n"},
		{"tail 2", kubelet.LogOptions{TailLines: ptr.To[int64](2)}, "two\nthree\n"},
		{"tail 0", kubelet.LogOptions{TailLines: ptr.To[int64](0)}, ""},
		{"tail more than there is", kubelet.LogOptions{TailLines: ptr.To[int64](10)}, "one\ntwo\nthree\n"},
		{"since the start", kubelet.LogOptions{SinceTime: at(0)}, "one\ntwo\nthree\n"},
		{"since 1s", kubelet.LogOptions{SinceTime: at(time.Second)}, "three\n"},
		{"since 5s", kubelet.LogOptions{SinceTime: at(5 * time.Second)}, "three\n"},
		{"since 6s", kubelet.LogOptions{SinceTime: at(6 * time.Second)}, ""},
		{"tail 2 then since 1s", kubelet.LogOptions{TailLines: ptr.To[int64](2), SinceTime: at(time.Second)}, "three\n"},
		{"limit mid-line", kubelet.LogOptions{LimitBytes: ptr.To[int64](6)}, "one\ntw"},
		{"limit at a line end", kubelet.LogOptions{LimitBytes: ptr.To[int64](4)}, "one\n"},
		{"limit beyond the log", kubelet.LogOptions{LimitBytes: ptr.To[int64](100)}, "one\ntwo\nthree\n"},
		{"limit with timestamps", kubelet.LogOptions{Timestamps: true, LimitBytes: ptr.To[int64](33)},
			"2026-01-01T00:00:00.000000000Z on"},
		{"limit after since and tail", kubelet.LogOptions{TailLines: ptr.To[int64](2), SinceTime: at(time.Second), LimitBytes: ptr.To[int64](3)}, "thr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := readLog(rt, "app", tt.opts); got != tt.want || err != nil {
				t.Errorf("ContainerLog(%+v) = %q, %v; want %q", tt.opts, got, err, tt.want)
			}
		})
	}
}

// appendLine logs a line to the latest instance of container name of pod
// u1, as a runtime whose containers log after starting would.
func appendLine(rt *Runtime, name string, at time.Time, text string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.pods["u1"].logs[name].append(at, []string{text})
}

// chanWriter sends each write to a channel.
type chanWriter chan string

func (w chanWriter) Write(b []byte) (int, error) {
	w <- string(b)
	return len(b), nil
}

// TestContainerLogFollow: a follower writes what is there, then what is
// logged later, and returns when the instance exits (a crash, its
// exit-after on the fake clock, StopPod), when the pod is removed or when
// its context ends.
func TestContainerLogFollow(t *testing.T) {
	tests := []struct {
		name string
		ann  map[string]string
		end  func(rt *Runtime, clk *testclock.FakeClock, pod *corev1.Pod, cancel context.CancelFunc) error
	}{
		{"crash", nil, func(rt *Runtime, _ *testclock.FakeClock, _ *corev1.Pod, _ context.CancelFunc) error {
			return rt.Crash("ns", "p", "app", 2)
		}},
		{"exit after", map[string]string{ExitAfterAnnotation: "30s"}, func(_ *Runtime, clk *testclock.FakeClock, _ *corev1.Pod, _ context.CancelFunc) error {
			clk.Step(30 * time.Second)
			return nil
		}},
		{"stop pod", nil, func(rt *Runtime, _ *testclock.FakeClock, pod *corev1.Pod, _ context.CancelFunc) error {
			return rt.StopPod(context.Background(), pod, 0)
		}},
		{"remove pod", nil, func(rt *Runtime, _ *testclock.FakeClock, _ *corev1.Pod, _ context.CancelFunc) error {
			return rt.RemovePod(context.Background(), "u1")
		}},
		{"context ends", nil, func(_ *Runtime, _ *testclock.FakeClock, _ *corev1.Pod, cancel context.CancelFunc) error {
			cancel()
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ann := map[string]string{LogAnnotation: "hello"}
			for k, v := range tt.ann {
				ann[k] = v
			}
			rt, clk, pod := newLogPod(t, ann)
			start(t, rt, pod, false)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := make(chanWriter, 10)
			done := make(chan error, 1)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				done <- rt.ContainerLog(ctx, "u1", "app", kubelet.LogOptions{Follow: true}, out)
			}()
			defer wg.Wait()
			expect(t, out, "hello\n")
			appendLine(rt, "app", clk.Now(), "later")
			expect(t, out, "later\n")
			select {
			case err := <-done:
				t.Fatalf("follower returned %v while the container runs", err)
			default:
			}
			if err := tt.end(rt, clk, pod, cancel); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("follower returned %v; want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("follower still running")
			}
		})
	}
}

// TestContainerLogFollowExited: following an instance that has exited
// writes its log and returns at once, and a previous instance is never
// followed.
func TestContainerLogFollowExited(t *testing.T) {
	rt, _, pod := newLogPod(t, map[string]string{LogAnnotation: "hello"})
	start(t, rt, pod, true) // init containers exit at once
	start(t, rt, pod, false)
	if err := rt.Crash("ns", "p", "app", 1); err != nil {
		t.Fatal(err)
	}
	start(t, rt, pod, false)
	for _, tt := range []struct {
		name string
		opts kubelet.LogOptions
	}{
		{"setup", kubelet.LogOptions{Follow: true}},
		{"app", kubelet.LogOptions{Follow: true, Previous: true}},
	} {
		if got, err := readLog(rt, tt.name, tt.opts); got != "hello\n" || err != nil {
			t.Errorf("follow %s %+v = %q, %v; want %q", tt.name, tt.opts, got, err, "hello\n")
		}
	}
}

// expect reads the next write of out and checks it is want.
func expect(t *testing.T, out chanWriter, want string) {
	t.Helper()
	select {
	case got := <-out:
		if got != want {
			t.Errorf("follower wrote %q; want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("follower wrote nothing; want %q", want)
	}
}
