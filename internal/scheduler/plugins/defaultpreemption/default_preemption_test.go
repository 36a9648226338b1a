package defaultpreemption

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

// fakeHandle adds to frameworktest.Handle a one-filter profile (cpu fit)
// and a recorder.
type fakeHandle struct {
	*frameworktest.Handle
	rec       *record.FakeRecorder
	nominated map[string][]*framework.PodInfo
	metrics   fakeMetrics
}

// fakeMetrics counts preemption attempts and keeps the victims recorded.
type fakeMetrics struct {
	attempts int
	victims  []int
}

func (m *fakeMetrics) PreemptionAttempt()      { m.attempts++ }
func (m *fakeMetrics) PreemptionVictims(n int) { m.victims = append(m.victims, n) }

func (h *fakeHandle) PreemptionMetrics() framework.PreemptionMetrics { return &h.metrics }

func (h *fakeHandle) NominatedPodsForNode(n string) []*framework.PodInfo { return h.nominated[n] }
func (h *fakeHandle) EventRecorder() record.EventRecorder                { return h.rec }
func (h *fakeHandle) RunPreFilterExtensionAddPod(context.Context, *framework.CycleState, *v1.Pod, *framework.PodInfo, *framework.NodeInfo) *framework.Status {
	return nil
}
func (h *fakeHandle) RunPreFilterExtensionRemovePod(context.Context, *framework.CycleState, *v1.Pod, *framework.PodInfo, *framework.NodeInfo) *framework.Status {
	return nil
}

// RunFilterPluginsWithNominatedPods is a cpu fit filter.
func (h *fakeHandle) RunFilterPluginsWithNominatedPods(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	want := framework.PodRequests(pod, false).MilliCPU
	if n.Requested.MilliCPU+want > n.Allocatable.MilliCPU {
		return framework.NewStatus(framework.Unschedulable, "Insufficient cpu")
	}
	return nil
}

func node(name string) *v1.Node {
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourcePods: resource.MustParse("110")}
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NodeStatus{Allocatable: alloc, Capacity: alloc}}
}

// pod is name on nodeName with priority prio asking cpu cores, started
// at minute start.
func pod(name, nodeName string, prio int32, cpu string, start int, lbls ...string) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{}},
		Spec: v1.PodSpec{NodeName: nodeName, Priority: &prio, SchedulerName: "default-scheduler", Containers: []v1.Container{{Name: "c",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
		Status: v1.PodStatus{StartTime: &metav1.Time{Time: time.Unix(int64(start)*60, 0)}},
	}
	for _, l := range lbls {
		p.Labels[l] = "x"
	}
	return p
}

func pdb(label string, allowed int32) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "pdb-" + label, Namespace: "ns"},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{label: "x"}}},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed},
	}
}

func TestPostFilter(t *testing.T) {
	never := v1.PreemptNever
	preemptor := pod("preemptor", "", 10, "2", 100)
	neverPod := preemptor.DeepCopy()
	neverPod.Spec.PreemptionPolicy = &never
	tests := []struct {
		name       string
		preemptor  *v1.Pod
		pods       []*v1.Pod
		pdbs       []*policyv1.PodDisruptionBudget
		unresolved []string // nodes whose filter status is UnschedulableAndUnresolvable
		wantNode   string
		wantDel    []string
		wantMsg    string
	}{
		{name: "preemptionPolicy Never", preemptor: neverPod, pods: []*v1.Pod{pod("low", "n1", 1, "4", 0)},
			wantMsg: "preemption: not eligible due to preemptionPolicy=Never."},
		{name: "only equal or higher priority pods", pods: []*v1.Pod{pod("eq", "n1", 10, "3", 0), pod("hi", "n2", 11, "3", 0)},
			wantMsg: "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."},
		{name: "removing every lower-priority pod is not enough", pods: []*v1.Pod{pod("hi", "n1", 20, "3", 0), pod("low", "n1", 1, "1", 0)},
			unresolved: []string{"n2"},
			wantMsg:    "preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling."},
		{name: "more important pods are reprieved first",
			pods:       []*v1.Pod{pod("p1", "n1", 1, "1", 0), pod("p2", "n1", 2, "1", 0), pod("p3", "n1", 3, "2", 0)},
			unresolved: []string{"n2"}, wantNode: "n1", wantDel: []string{"p1", "p2"}},
		{name: "equal priority: the later started pod is the victim",
			pods:       []*v1.Pod{pod("old", "n1", 1, "2", 0), pod("new", "n1", 1, "2", 5)},
			unresolved: []string{"n2"}, wantNode: "n1", wantDel: []string{"new"}},
		{name: "node with the lowest highest-priority victim",
			pods:     []*v1.Pod{pod("a", "n1", 5, "4", 0), pod("b", "n2", 3, "4", 0)},
			wantNode: "n2", wantDel: []string{"b"}},
		{name: "fewest PDB violations beats lower priority",
			pods:     []*v1.Pod{pod("guarded", "n1", 1, "4", 0, "app"), pod("free", "n2", 5, "4", 0)},
			pdbs:     []*policyv1.PodDisruptionBudget{pdb("app", 0)},
			wantNode: "n2", wantDel: []string{"free"}},
		{name: "PDB with budget left is no violation",
			pods:     []*v1.Pod{pod("guarded", "n1", 1, "4", 0, "app"), pod("free", "n2", 5, "4", 0)},
			pdbs:     []*policyv1.PodDisruptionBudget{pdb("app", 1)},
			wantNode: "n1", wantDel: []string{"guarded"}},
		{name: "smallest sum of priorities",
			pods:     []*v1.Pod{pod("keep1", "n1", 8, "2", 0), pod("x", "n1", 2, "1", 0), pod("y", "n1", 1, "1", 0), pod("keep2", "n2", 8, "2", 0), pod("b", "n2", 2, "2", 0)},
			wantNode: "n2", wantDel: []string{"b"}},
		{name: "fewest victims",
			pods:     []*v1.Pod{pod("a1", "n1", 1, "1", 0), pod("a2", "n1", 1, "1", 0), pod("keep1", "n1", 8, "2", 0), pod("b1", "n2", 1, "2", 0), pod("keep2", "n2", 8, "2", 0)},
			wantNode: "n2", wantDel: []string{"b1"}},
		{name: "latest start time of the highest-priority victims",
			pods:     []*v1.Pod{pod("early", "n1", 1, "4", 1), pod("late", "n2", 1, "4", 9)},
			wantNode: "n2", wantDel: []string{"late"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pre := tt.preemptor
			if pre == nil {
				pre = preemptor
			}
			nodes := frameworktest.NodeInfos([]*v1.Node{node("n1"), node("n2")}, tt.pods)
			h := &fakeHandle{Handle: frameworktest.NewHandle(nodes), rec: record.NewFakeRecorder(10)}
			for _, p := range tt.pods {
				if err := h.Client.Tracker().Add(p); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range tt.pdbs {
				if err := h.Informers.Policy().V1().PodDisruptionBudgets().Informer().GetStore().Add(p); err != nil {
					t.Fatal(err)
				}
			}
			pl, err := New(nil, h)
			if err != nil {
				t.Fatal(err)
			}
			pl.(*DefaultPreemption).offset = func(int) int { return 0 }
			statuses := framework.NodeToStatus{}
			for _, n := range nodes {
				statuses[n.Node().Name] = h.RunFilterPluginsWithNominatedPods(context.Background(), nil, pre, n)
			}
			for _, n := range tt.unresolved {
				statuses[n] = framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")
			}
			got, st := pl.(*DefaultPreemption).PostFilter(context.Background(), framework.NewCycleState(), pre, statuses)
			if got != tt.wantNode || st.Message() != tt.wantMsg {
				t.Errorf("PostFilter() = %q, %q; want %q, %q", got, st.Message(), tt.wantNode, tt.wantMsg)
			}
			if gotDel := deleted(h); !slices.Equal(gotDel, tt.wantDel) {
				t.Errorf("deleted %v; want %v", gotDel, tt.wantDel)
			}
			checkVictims(t, h, pre, tt.wantNode, tt.wantDel)
			// Every run is an attempt; victims are recorded when a node
			// was chosen.
			var wantVictims []int
			if tt.wantNode != "" {
				wantVictims = []int{len(tt.wantDel)}
			}
			if h.metrics.attempts != 1 || !slices.Equal(h.metrics.victims, wantVictims) {
				t.Errorf("metrics: %d attempts, victims %v; want 1, %v", h.metrics.attempts, h.metrics.victims, wantVictims)
			}
		})
	}
}

func deleted(h *fakeHandle) []string {
	var out []string
	for _, a := range h.Client.Actions() {
		if a.GetVerb() == "delete" && a.GetResource().Resource == "pods" {
			out = append(out, a.(interface{ GetName() string }).GetName())
		}
	}
	slices.Sort(out)
	return out
}

// checkVictims wants each victim's DisruptionTarget condition, patched
// before its deletion, and one Preempted event per victim.
func checkVictims(t *testing.T, h *fakeHandle, pre *v1.Pod, node string, victims []string) {
	t.Helper()
	var patched []string
	for _, a := range h.Client.Actions() {
		if a.GetVerb() == "patch" && a.GetSubresource() == "status" {
			name := a.(interface{ GetName() string }).GetName()
			body := string(a.(interface{ GetPatch() []byte }).GetPatch())
			if !strings.Contains(body, `"type":"DisruptionTarget"`) || !strings.Contains(body, `"reason":"PreemptionByScheduler"`) ||
				!strings.Contains(body, "default-scheduler: preempting to accommodate a higher priority pod") {
				t.Errorf("status patch of %s = %s; want the DisruptionTarget condition", name, body)
			}
			patched = append(patched, name)
		}
	}
	slices.Sort(patched)
	if !slices.Equal(patched, victims) {
		t.Errorf("DisruptionTarget on %v; want %v", patched, victims)
	}
	for range victims {
		select {
		case ev := <-h.rec.Events:
			want := fmt.Sprintf("Normal Preempted Preempted by pod %s on node %s", pre.UID, node)
			if ev != want {
				t.Errorf("event %q; want %q", ev, want)
			}
		default:
			t.Errorf("no Preempted event; want one per victim %v", victims)
		}
	}
}

func TestEligibleWithTerminatingVictim(t *testing.T) {
	victim := pod("victim", "n1", 1, "4", 0)
	now := metav1.Now()
	victim.DeletionTimestamp = &now
	victim.Status.Conditions = []v1.PodCondition{{Type: v1.DisruptionTarget, Status: v1.ConditionTrue, Reason: v1.PodReasonPreemptionByScheduler}}
	pre := pod("preemptor", "", 10, "2", 100)
	pre.Status.NominatedNodeName = "n1"
	nodes := frameworktest.NodeInfos([]*v1.Node{node("n1")}, []*v1.Pod{victim})
	h := &fakeHandle{Handle: frameworktest.NewHandle(nodes), rec: record.NewFakeRecorder(10)}
	pl, _ := New(nil, h)
	statuses := framework.NodeToStatus{"n1": framework.NewStatus(framework.Unschedulable, "Insufficient cpu")}
	got, st := pl.(*DefaultPreemption).PostFilter(context.Background(), framework.NewCycleState(), pre, statuses)
	if want := "preemption: " + ErrReasonTerminating; got != "" || st.Message() != want {
		t.Errorf("PostFilter() = %q, %q; want \"\", %q", got, st.Message(), want)
	}
	if d := deleted(h); len(d) != 0 {
		t.Errorf("deleted %v; want none while the earlier victim terminates", d)
	}
}

func TestArgsValidate(t *testing.T) {
	i := func(v int32) *int32 { return &v }
	tests := []struct {
		name string
		args Args
		want string
	}{
		{"defaults", Args{}, ""},
		{"percentage over 100", Args{MinCandidateNodesPercentage: i(101)}, "minCandidateNodesPercentage: Invalid value: 101: not in valid range [0, 100]"},
		{"negative absolute", Args{MinCandidateNodesAbsolute: i(-1)}, "minCandidateNodesAbsolute: Invalid value: -1: not in valid range [0, inf)"},
		{"both zero", Args{MinCandidateNodesPercentage: i(0), MinCandidateNodesAbsolute: i(0)}, "cannot be zero at the same time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.args.Default()
			err := tt.args.Validate()
			if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && !strings.Contains(got, tt.want)) {
				t.Errorf("Validate() = %v; want %q", err, tt.want)
			}
		})
	}
}
