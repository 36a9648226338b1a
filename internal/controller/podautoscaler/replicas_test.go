package podautoscaler

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// runningPod is a pod started long ago, Ready, requesting cpu.
func runningPod(name, cpu string) *corev1.Pod {
	start := metav1.NewTime(t0.Add(-time.Hour))
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: start}}}}
}

func pending(p *corev1.Pod) *corev1.Pod {
	p.Status.Phase = corev1.PodPending
	return p
}

func usage(milli ...int64) map[string]PodMetric {
	out := map[string]PodMetric{}
	for i, v := range milli {
		if v >= 0 {
			out[fmt.Sprintf("p%d", i)] = PodMetric{Value: v, Timestamp: t0, Window: 30 * time.Second}
		}
	}
	return out
}

func pods(n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range n {
		out = append(out, runningPod(fmt.Sprintf("p%d", i), "1"))
	}
	return out
}

func TestReplicasFor(t *testing.T) {
	fifty := int32(50)
	tests := []struct {
		name     string
		current  int32
		pods     []*corev1.Pod
		metrics  map[string]PodMetric
		target   target
		want     int32
		wantUtil int32
		wantErr  bool
	}{
		{name: "at target", current: 2, pods: pods(2), metrics: usage(500, 500), target: target{utilization: &fifty}, want: 2, wantUtil: 50},
		{name: "within tolerance above", current: 2, pods: pods(2), metrics: usage(540, 540), target: target{utilization: &fifty}, want: 2, wantUtil: 54},
		{name: "within tolerance below", current: 4, pods: pods(4), metrics: usage(460, 460, 460, 460), target: target{utilization: &fifty}, want: 4, wantUtil: 46},
		{name: "scale up rounds up", current: 2, pods: pods(2), metrics: usage(900, 900), target: target{utilization: &fifty}, want: 4, wantUtil: 90},
		{name: "scale down", current: 4, pods: pods(4), metrics: usage(100, 100, 100, 100), target: target{utilization: &fifty}, want: 1, wantUtil: 10},
		{name: "missing pod at its request damps the scale down", current: 3, pods: pods(3), metrics: usage(100, 100, -1),
			target: target{utilization: &fifty}, want: 3, wantUtil: 10},
		{name: "missing pod at its request, still down", current: 4, pods: pods(4), metrics: usage(0, 0, 0, -1),
			target: target{utilization: &fifty}, want: 2, wantUtil: 0},
		{name: "missing pod counts as zero on scale up", current: 3, pods: pods(3), metrics: usage(1000, 1000, -1),
			target: target{utilization: &fifty}, want: 4, wantUtil: 100},
		{name: "unready pod counts as zero on scale up", current: 3, pods: append(pods(2), pending(runningPod("p2", "1"))),
			metrics: usage(1000, 1000, 1000), target: target{utilization: &fifty}, want: 4, wantUtil: 100},
		{name: "unready pod at zero cancels a small scale up", current: 3, pods: append(pods(2), pending(runningPod("p2", "1"))),
			metrics: usage(800, 800, 800), target: target{utilization: &fifty}, want: 3, wantUtil: 80},
		{name: "average value", current: 2, pods: pods(2), metrics: usage(300, 300), target: target{averageMilli: 100}, want: 6},
		{name: "no pods", current: 2, metrics: usage(1), target: target{utilization: &fifty}, wantErr: true},
		{name: "no metrics", current: 2, pods: pods(2), metrics: usage(), target: target{utilization: &fifty}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replicasFor(tt.current, tt.pods, tt.metrics, corev1.ResourceCPU, tt.target, t0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("replicasFor() error = %v; want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.replicas != tt.want || (tt.target.utilization != nil && got.utilization != tt.wantUtil) {
				t.Errorf("replicasFor(current %d) = %d replicas at %d%%; want %d at %d%%", tt.current, got.replicas, got.utilization, tt.want, tt.wantUtil)
			}
		})
	}
}

func TestMissingRequest(t *testing.T) {
	fifty := int32(50)
	p := runningPod("p0", "1")
	p.Spec.Containers[0].Resources.Requests = nil
	_, err := replicasFor(1, []*corev1.Pod{p}, usage(100), corev1.ResourceCPU, target{utilization: &fifty}, t0)
	if want := "missing request for cpu in container c of Pod p0"; err == nil || err.Error() != want {
		t.Errorf("replicasFor() error = %v; want %q", err, want)
	}
}
