package interpodaffinity

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

func node(name string, lbls map[string]string) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
}

func pod(name, ns, nodeName string, lbls map[string]string, a *v1.Affinity) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), Labels: lbls},
		Spec: v1.PodSpec{NodeName: nodeName, Affinity: a}}
}

func term(key, op string, values []string, topo string) v1.PodAffinityTerm {
	return v1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: key, Operator: metav1.LabelSelectorOperator(op), Values: values}}}, TopologyKey: topo}
}

func affinity(req ...v1.PodAffinityTerm) *v1.Affinity {
	return &v1.Affinity{PodAffinity: &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: req}}
}

func antiAffinity(req ...v1.PodAffinityTerm) *v1.Affinity {
	return &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: req}}
}

var (
	zone1 = map[string]string{"zone": "z1", "kubernetes.io/hostname": "n1"}
	zone2 = map[string]string{"zone": "z2", "kubernetes.io/hostname": "n2"}
	sec   = map[string]string{"security": "S1"}
)

func runFilter(t *testing.T, h *frameworktest.Handle, p *v1.Pod, nodeName string) *framework.Status {
	t.Helper()
	pl, err := New(nil, h)
	if err != nil {
		t.Fatal(err)
	}
	ipa := pl.(*InterPodAffinity)
	state := framework.NewCycleState()
	st := ipa.PreFilter(context.Background(), state, p)
	if st.IsSkip() {
		return nil
	}
	if !st.IsSuccess() {
		return st
	}
	return ipa.Filter(context.Background(), state, p, h.Nodes.Get(nodeName))
}

func TestFilter(t *testing.T) {
	nodes := []*v1.Node{node("n1", zone1), node("n2", zone2), node("n3", map[string]string{"kubernetes.io/hostname": "n3"})}
	withNS := func(ns string, l map[string]string) *v1.Namespace {
		return &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: l}}
	}
	nsTerm := term("security", "In", []string{"S1"}, "zone")
	nsTerm.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	otherNSTerm := term("security", "In", []string{"S1"}, "zone")
	otherNSTerm.Namespaces = []string{"elsewhere"}
	// keysTerm is a term with matchLabelKeys as the API server stores it
	// for a pod created with label app=a: merged into the selector.
	keysTerm := v1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", MatchLabelKeys: []string{"app"},
		LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"a"}}}}}
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing []*v1.Pod
		objs     []runtime.Object
		node     string
		want     *framework.Status
	}{
		{name: "no affinity fits", pod: pod("p", "default", "", nil, nil),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n1"},
		{name: "affinity met in the zone", pod: pod("p", "default", "", nil, affinity(term("security", "In", []string{"S1"}, "zone"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n1"},
		{name: "affinity not met in another zone", pod: pod("p", "default", "", nil, affinity(term("security", "In", []string{"S1"}, "zone"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n2",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "affinity NotIn matches existing pod", pod: pod("p", "default", "", nil, affinity(term("security", "NotIn", []string{"S2"}, "zone"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n1"},
		{name: "affinity in another namespace does not count", pod: pod("p", "default", "", nil, affinity(term("security", "In", []string{"S1"}, "zone"))),
			existing: []*v1.Pod{pod("e", "other", "n1", sec, nil)}, node: "n1",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "first pod matching its own affinity fits", pod: pod("p", "default", "", sec, affinity(term("security", "In", []string{"S1"}, "zone"))),
			node: "n2"},
		{name: "first pod matching its own affinity needs the topology key", pod: pod("p", "default", "", sec, affinity(term("security", "In", []string{"S1"}, "zone"))),
			node: "n3", want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "first pod not matching its own affinity does not fit", pod: pod("p", "default", "", nil, affinity(term("security", "In", []string{"S1"}, "zone"))),
			node: "n2", want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "self-match exception is off once some pod matches", pod: pod("p", "default", "", sec, affinity(term("security", "In", []string{"S1"}, "zone"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n2",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "anti-affinity on the same host", pod: pod("p", "default", "", nil, antiAffinity(term("security", "In", []string{"S1"}, "kubernetes.io/hostname"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)},
		{name: "anti-affinity on another host fits", pod: pod("p", "default", "", nil, antiAffinity(term("security", "In", []string{"S1"}, "kubernetes.io/hostname"))),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n2"},
		{name: "symmetry: existing pod's anti-affinity rejects the pod in its zone", pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n1", nil, antiAffinity(term("security", "In", []string{"S1"}, "zone")))}, node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)},
		{name: "symmetry: another zone fits", pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n1", nil, antiAffinity(term("security", "In", []string{"S1"}, "zone")))}, node: "n2"},
		{name: "symmetry honours the existing pod's namespace", pod: pod("p", "other", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n1", nil, antiAffinity(term("security", "In", []string{"S1"}, "zone")))}, node: "n1"},
		{name: "namespaceSelector selects the existing pod's namespace", pod: pod("p", "default", "", nil, affinity(nsTerm)),
			existing: []*v1.Pod{pod("e", "team-a", "n1", sec, nil)}, objs: []runtime.Object{withNS("team-a", map[string]string{"team": "a"})}, node: "n1"},
		{name: "namespaceSelector not matching", pod: pod("p", "default", "", nil, affinity(nsTerm)),
			existing: []*v1.Pod{pod("e", "team-b", "n1", sec, nil)}, objs: []runtime.Object{withNS("team-b", map[string]string{"team": "b"})}, node: "n1",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "namespaces list excludes the pod's own", pod: pod("p", "default", "", nil, affinity(otherNSTerm)),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, node: "n1",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)},
		{name: "symmetry with namespaceSelector uses the pod's namespace labels", pod: pod("p", "team-a", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n1", nil, antiAffinity(nsTerm))}, objs: []runtime.Object{withNS("team-a", map[string]string{"team": "a"})}, node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)},
		{name: "matchLabelKeys anti-affinity selects same app only", pod: pod("p", "default", "", map[string]string{"app": "a"}, antiAffinity(keysTerm)),
			existing: []*v1.Pod{pod("e", "default", "n1", map[string]string{"app": "b"}, nil)}, node: "n1"},
		{name: "matchLabelKeys anti-affinity rejects same app", pod: pod("p", "default", "", map[string]string{"app": "a"}, antiAffinity(keysTerm)),
			existing: []*v1.Pod{pod("e", "default", "n1", map[string]string{"app": "a"}, nil)}, node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)},
		{name: "matchLabelKeys: a label changed since creation does not change the merged selector", pod: pod("p", "default", "", map[string]string{"app": "b"}, antiAffinity(keysTerm)),
			existing: []*v1.Pod{pod("e", "default", "n1", map[string]string{"app": "a"}, nil)}, node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, tt.existing), tt.objs...)
			if got := runFilter(t, h, tt.pod, tt.node); !got.Equal(tt.want) {
				t.Errorf("Filter(%s on %s) = %v; want %v", tt.pod.Name, tt.node, got, tt.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	nodes := []*v1.Node{node("n1", zone1), node("n2", zone2), node("n3", map[string]string{"zone": "z1", "kubernetes.io/hostname": "n3"})}
	preferred := func(w int32, tm v1.PodAffinityTerm) []v1.WeightedPodAffinityTerm {
		return []v1.WeightedPodAffinityTerm{{Weight: w, PodAffinityTerm: tm}}
	}
	tests := []struct {
		name     string
		args     *Args
		pod      *v1.Pod
		existing []*v1.Pod
		want     []int64
	}{
		{name: "preferred affinity favours the zone with a match", pod: pod("p", "default", "", nil,
			&v1.Affinity{PodAffinity: &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: preferred(5, term("security", "In", []string{"S1"}, "zone"))}}),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, want: []int64{100, 0, 100}},
		{name: "preferred anti-affinity avoids it", pod: pod("p", "default", "", nil,
			&v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: preferred(5, term("security", "In", []string{"S1"}, "zone"))}}),
			existing: []*v1.Pod{pod("e", "default", "n1", sec, nil)}, want: []int64{0, 100, 0}},
		{name: "existing pod's required affinity attracts (hardPodAffinityWeight)", pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n2", nil, affinity(term("security", "In", []string{"S1"}, "kubernetes.io/hostname")))},
			want:     []int64{0, 100, 0}},
		{name: "hardPodAffinityWeight 0 ignores it", args: &Args{HardPodAffinityWeight: new(int32)}, pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n2", nil, affinity(term("security", "In", []string{"S1"}, "kubernetes.io/hostname")))},
			want:     []int64{0, 0, 0}},
		{name: "existing pod's preferred anti-affinity repels", pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n2", nil,
				&v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: preferred(3, term("security", "In", []string{"S1"}, "zone"))}})},
			want: []int64{100, 0, 100}},
		{name: "ignorePreferredTermsOfExistingPods", args: &Args{IgnorePreferredTermsOfExistingPods: true}, pod: pod("p", "default", "", sec, nil),
			existing: []*v1.Pod{pod("e", "default", "n2", nil,
				&v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: preferred(3, term("security", "In", []string{"S1"}, "zone"))}})},
			want: []int64{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, tt.existing))
			var args framework.PluginArgs
			if tt.args != nil {
				tt.args.Default()
				args = tt.args
			}
			pl, _ := New(args, h)
			ipa := pl.(*InterPodAffinity)
			state := framework.NewCycleState()
			got := make([]int64, len(nodes))
			if st := ipa.PreScore(context.Background(), state, tt.pod, h.Nodes); st.IsSkip() {
				if !equal(got, tt.want) {
					t.Errorf("PreScore skipped; scores %v; want %v", got, tt.want)
				}
				return
			}
			scores := framework.NodeScoreList{}
			for _, n := range h.Nodes {
				s, st := ipa.Score(context.Background(), state, tt.pod, n)
				if !st.IsSuccess() {
					t.Fatal(st)
				}
				scores = append(scores, framework.NodeScore{Name: n.Node().Name, Score: s})
			}
			ipa.NormalizeScore(context.Background(), state, tt.pod, scores)
			for i := range scores {
				got[i] = scores[i].Score
			}
			if !equal(got, tt.want) {
				t.Errorf("scores = %v; want %v", got, tt.want)
			}
		})
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPreFilterExtensions(t *testing.T) {
	nodes := []*v1.Node{node("n1", zone1), node("n2", zone2)}
	incoming := pod("p", "default", "", sec, antiAffinity(term("security", "In", []string{"S1"}, "zone")))
	blocker := pod("e", "default", "n1", sec, nil)
	h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, []*v1.Pod{blocker}))
	pl, _ := New(nil, h)
	ipa := pl.(*InterPodAffinity)
	ctx := context.Background()
	state := framework.NewCycleState()
	ipa.PreFilter(ctx, state, incoming)
	n1 := h.Nodes.Get("n1")
	if st := ipa.Filter(ctx, state, incoming, n1); st.IsSuccess() {
		t.Fatalf("Filter(n1) with the blocker = %v; want a rejection", st)
	}
	if st := ipa.RemovePod(ctx, state, incoming, framework.NewPodInfo(blocker), n1); !st.IsSuccess() {
		t.Fatal(st)
	}
	if st := ipa.Filter(ctx, state, incoming, n1); !st.IsSuccess() {
		t.Errorf("Filter(n1) after RemovePod(blocker) = %v; want success", st)
	}
	ipa.AddPod(ctx, state, incoming, framework.NewPodInfo(pod("f", "default", "n2", nil, antiAffinity(term("security", "In", []string{"S1"}, "zone")))), h.Nodes.Get("n2"))
	if st := ipa.Filter(ctx, state, incoming, h.Nodes.Get("n2")); !st.Equal(framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)) {
		t.Errorf("Filter(n2) after AddPod(anti-affinity pod) = %v; want %s", st, ErrReasonExistingAntiAffinityRulesNotMatch)
	}
}
