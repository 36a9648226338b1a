package sim

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testclock "k8s.io/utils/clock/testing"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

// TestUsage integrates a container's CPU rate over a fake clock across a
// rate change and a restart, and reads its memory working set.
func TestUsage(t *testing.T) {
	ctx := context.Background()
	clk := testclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := New(Config{PodCIDR: NodeCIDR(0), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Annotations: map[string]string{
			CPUUsageAnnotation: "250m", MemoryUsageAnnotation: "64Mi",
		}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "side"}}},
	}
	if _, err := rt.RunSandbox(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if got := rt.ContainerStats("u1"); len(got) != 0 {
		t.Errorf("stats before any start = %v; want none", got)
	}
	for i := range pod.Spec.Containers {
		if err := rt.StartContainer(ctx, pod, &pod.Spec.Containers[i], false); err != nil {
			t.Fatal(err)
		}
	}
	start := clk.Now()
	stat := func(name string) kubelet.ContainerStats {
		t.Helper()
		for _, c := range rt.ContainerStats("u1") {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no stats of %s", name)
		return kubelet.ContainerStats{}
	}
	clk.Step(10 * time.Second)
	if c := stat("app"); c.CPUUsageCoreNanoSeconds != 2_500_000_000 || c.MemoryWorkingSetBytes != 64<<20 ||
		!c.StartTime.Equal(start) || !c.Timestamp.Equal(clk.Now()) {
		t.Errorf("app after 10s at 250m = %+v; want cpu 2.5e9 core-ns, memory 64Mi, started %v, read %v", c, start, clk.Now())
	}
	if err := rt.SetUsage("ns", "p", "app", 1000, 1<<20); err != nil {
		t.Fatalf("SetUsage: %v", err)
	}
	clk.Step(2 * time.Second)
	if c := stat("app"); c.CPUUsageCoreNanoSeconds != 4_500_000_000 || c.MemoryWorkingSetBytes != 1<<20 {
		t.Errorf("app 2s after SetUsage(1000m, 1Mi) = %+v; want cpu 4.5e9, memory 1Mi", c)
	}
	if c := stat("side"); c.CPUUsageCoreNanoSeconds != 3_000_000_000 {
		t.Errorf("side (annotation rate) after 12s = %d core-ns; want 3e9", c.CPUUsageCoreNanoSeconds)
	}

	// A restart starts the counter over, at the rate SetUsage left.
	if err := rt.Crash("ns", "p", "app", 1); err != nil {
		t.Fatal(err)
	}
	if got := len(rt.ContainerStats("u1")); got != 1 {
		t.Errorf("stats after a crash: %d containers; want 1 (exited ones are left out)", got)
	}
	if err := rt.StartContainer(ctx, pod, &pod.Spec.Containers[0], false); err != nil {
		t.Fatal(err)
	}
	clk.Step(time.Second)
	if c := stat("app"); c.CPUUsageCoreNanoSeconds != 1_000_000_000 || c.MemoryWorkingSetBytes != 1<<20 {
		t.Errorf("restarted app after 1s = %+v; want cpu 1e9 (1000m kept), memory 1Mi", c)
	}

	// A pod re-created under the same name (its sandbox made while the old
	// one is still known, as for crashOnStart) keeps SetUsage's values.
	again := pod.DeepCopy()
	again.UID, again.Annotations = "u2", nil
	if _, err := rt.RunSandbox(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := rt.RemovePod(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	for i := range again.Spec.Containers {
		if err := rt.StartContainer(ctx, again, &again.Spec.Containers[i], false); err != nil {
			t.Fatal(err)
		}
	}
	clk.Step(4 * time.Second)
	for _, c := range rt.ContainerStats("u2") {
		want := map[string]uint64{"app": 4_000_000_000, "side": 0}[c.Name]
		if c.CPUUsageCoreNanoSeconds != want {
			t.Errorf("re-created pod: %s cpu = %d; want %d", c.Name, c.CPUUsageCoreNanoSeconds, want)
		}
	}
}

func TestUsageAnnotations(t *testing.T) {
	tests := []struct {
		name     string
		cpu, mem string
		want     usage
		wantErr  bool
	}{
		{"both", "250m", "64Mi", usage{250, 64 << 20}, false},
		{"whole cores", "2", "1G", usage{2000, 1_000_000_000}, false},
		{"unparseable", "lots", "64MB", usage{}, true},
		{"unset", "", "", usage{}, false},
		{"negative", "-1", "-5", usage{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{}}}
			if tt.cpu != "" {
				p.Annotations[CPUUsageAnnotation] = tt.cpu
			}
			if tt.mem != "" {
				p.Annotations[MemoryUsageAnnotation] = tt.mem
			}
			if got, err := usageOf(p); got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("usageOf(cpu %q, memory %q) = %+v, %v; want %+v, error %v", tt.cpu, tt.mem, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
