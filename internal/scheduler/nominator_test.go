package scheduler

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func cpuPod(name string, prio int32, cpu string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
		Spec: v1.PodSpec{Priority: &prio, SchedulerName: DefaultSchedulerName, Containers: []v1.Container{{Name: "c",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

// TestFilterCountsNominatedPods: a pod nominated to a node holds its room
// against pods of equal or lower priority, not against higher ones.
func TestFilterCountsNominatedPods(t *testing.T) {
	tests := []struct {
		name    string
		pod     *v1.Pod
		wantFit bool
	}{
		{"lower priority does not fit beside the nominated pod", cpuPod("p", 5, "2"), false},
		{"equal priority does not fit either", cpuPod("p", 10, "2"), false},
		{"higher priority ignores the nomination", cpuPod("p", 20, "2"), true},
		{"the nominated pod itself fits", cpuPod("nominated", 10, "3"), true},
		{"a small enough pod fits beside it", cpuPod("p", 5, "1"), true},
	}
	s, err := New(Config{Client: fake.NewSimpleClientset()})
	if err != nil {
		t.Fatal(err)
	}
	prof := s.profiles[DefaultSchedulerName]
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourcePods: resource.MustParse("110")}
	n := framework.NewNodeInfo()
	n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: v1.NodeStatus{Allocatable: alloc, Capacity: alloc}})
	s.nominator.add(cpuPod("nominated", 10, "3"), "n1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := framework.NewCycleState()
			if st := prof.RunPreFilter(context.Background(), state, tt.pod); !st.IsSuccess() {
				t.Fatalf("PreFilter = %v", st)
			}
			st := s.runFilterWithNominatedPods(context.Background(), prof, state, tt.pod, n)
			if st.IsSuccess() != tt.wantFit {
				t.Errorf("filter %s (priority %d) = %v; want fit %v", tt.pod.Name, *tt.pod.Spec.Priority, st, tt.wantFit)
			}
		})
	}
}

func TestNominatorUpdate(t *testing.T) {
	withNom := func(node string) *v1.Pod {
		p := cpuPod("p", 1, "1")
		p.Status.NominatedNodeName = node
		return p
	}
	tests := []struct {
		name     string
		inMemory string
		old, pod *v1.Pod
		wantNode string
	}{
		{"status nomination is taken", "", nil, withNom("n1"), "n1"},
		{"status moves the nomination", "n1", withNom("n1"), withNom("n2"), "n2"},
		{"status cleared drops it", "n1", withNom("n1"), withNom(""), ""},
		{"in-memory nomination survives a pod without one", "n1", withNom(""), withNom(""), "n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNominator()
			if tt.inMemory != "" {
				n.add(cpuPod("p", 1, "1"), tt.inMemory)
			}
			n.update(tt.old, tt.pod)
			if got := n.nominatedNode("p"); got != tt.wantNode {
				t.Errorf("nominated node = %q; want %q", got, tt.wantNode)
			}
			for _, node := range []string{"n1", "n2"} {
				want := 0
				if node == tt.wantNode {
					want = 1
				}
				if got := len(n.NominatedPodsForNode(node)); got != want {
					t.Errorf("NominatedPodsForNode(%s) has %d pods; want %d", node, got, want)
				}
			}
			n.delete(tt.pod)
			if got := n.nominatedNode("p"); got != "" {
				t.Errorf("after delete nominated node = %q; want none", got)
			}
		})
	}
}
