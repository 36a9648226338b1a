package noderesources

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func rl(cpu, mem string) v1.ResourceList {
	return v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu), v1.ResourceMemory: resource.MustParse(mem)}
}

func podWith(containers, inits []v1.ResourceList, overhead v1.ResourceList) *v1.Pod {
	p := &v1.Pod{Spec: v1.PodSpec{Overhead: overhead}}
	for _, r := range containers {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: v1.ResourceRequirements{Requests: r}})
	}
	for _, r := range inits {
		p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{Resources: v1.ResourceRequirements{Requests: r}})
	}
	return p
}

func TestFitFilter(t *testing.T) {
	node := &v1.Node{Status: v1.NodeStatus{Allocatable: v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("10"), v1.ResourceMemory: resource.MustParse("20"), v1.ResourcePods: resource.MustParse("32")}}}
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing []*v1.Pod
		want     *framework.Status
	}{
		{"no requests fit", podWith(nil, nil, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("10", "20")}, nil, nil)}, nil},
		{"fits exactly", podWith([]v1.ResourceList{rl("1", "1")}, nil, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("9", "19")}, nil, nil)}, nil},
		{"insufficient cpu", podWith([]v1.ResourceList{rl("2", "1")}, nil, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("9", "19")}, nil, nil)},
			framework.NewStatus(framework.Unschedulable, "Insufficient cpu")},
		{"insufficient cpu and memory", podWith([]v1.ResourceList{rl("2", "2")}, nil, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("9", "19")}, nil, nil)},
			framework.NewStatus(framework.Unschedulable, "Insufficient cpu", "Insufficient memory")},
		{"init container max counts", podWith([]v1.ResourceList{rl("1", "1")}, []v1.ResourceList{rl("3", "1")}, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("8", "19")}, nil, nil)},
			framework.NewStatus(framework.Unschedulable, "Insufficient cpu")},
		{"init containers not summed", podWith([]v1.ResourceList{rl("1", "1")}, []v1.ResourceList{rl("2", "1"), rl("2", "1")}, nil), []*v1.Pod{podWith([]v1.ResourceList{rl("8", "19")}, nil, nil)}, nil},
		{"overhead counts", podWith([]v1.ResourceList{rl("1", "1")}, nil, rl("1", "0")), []*v1.Pod{podWith([]v1.ResourceList{rl("9", "1")}, nil, nil)},
			framework.NewStatus(framework.Unschedulable, "Insufficient cpu")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo(tt.existing...)
			n.SetNode(node)
			got := (&Fit{}).Filter(context.Background(), framework.NewCycleState(), tt.pod, n)
			if !got.Equal(tt.want) {
				t.Errorf("Filter() = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestLeastAllocatedAndBalanced(t *testing.T) {
	tests := []struct {
		name              string
		requested, capcty int64
		want              int64
	}{{"empty", 0, 4000, 100}, {"half", 2000, 4000, 50}, {"full", 4000, 4000, 0}, {"over", 5000, 4000, 0}, {"no capacity", 1, 0, 0}}
	for _, tt := range tests {
		if got := leastAllocated(tt.requested, tt.capcty); got != tt.want {
			t.Errorf("%s: leastAllocated(%d, %d) = %d; want %d", tt.name, tt.requested, tt.capcty, got, tt.want)
		}
	}
	if got := BalancedScore(0.5, 0.5); got != 100 {
		t.Errorf("BalancedScore(0.5, 0.5) = %d; want 100", got)
	}
	if got := BalancedScore(0.2, 0.6); got != 80 {
		t.Errorf("BalancedScore(0.2, 0.6) = %d; want 80", got)
	}
}
