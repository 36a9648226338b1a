package podtopologyspread

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

func node(name, zone string, taints ...v1.Taint) *v1.Node {
	l := map[string]string{v1.LabelHostname: name}
	if zone != "" {
		l["zone"], l[v1.LabelTopologyZone] = zone, zone
	}
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: v1.NodeSpec{Taints: taints}}
}

func pod(name, nodeName string, lbls map[string]string, cs ...v1.TopologySpreadConstraint) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name), Labels: lbls},
		Spec: v1.PodSpec{NodeName: nodeName, TopologySpreadConstraints: cs}}
}

func pods(nodeName string, n int, lbls map[string]string) []*v1.Pod {
	var out []*v1.Pod
	for i := range n {
		out = append(out, pod(nodeName+"-p"+string(rune('a'+i)), nodeName, lbls))
	}
	return out
}

func spread(key string, maxSkew int32, when v1.UnsatisfiableConstraintAction, sel map[string]string) v1.TopologySpreadConstraint {
	return v1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: &metav1.LabelSelector{MatchLabels: sel}}
}

var app = map[string]string{"app": "a"}

func with(c v1.TopologySpreadConstraint, f func(*v1.TopologySpreadConstraint)) v1.TopologySpreadConstraint {
	f(&c)
	return c
}

func TestFilter(t *testing.T) {
	honor, ignore := v1.NodeInclusionPolicyHonor, v1.NodeInclusionPolicyIgnore
	three := int32(3)
	zoneSpread := spread("zone", 1, v1.DoNotSchedule, app)
	big := func(p *v1.Pod) *v1.Pod { p.Spec.NodeSelector = map[string]string{v1.LabelHostname: "n2"}; return p }
	taint := v1.Taint{Key: "k", Value: "v", Effect: v1.TaintEffectNoSchedule}
	tests := []struct {
		name     string
		pod      *v1.Pod
		nodes    []*v1.Node
		existing []*v1.Pod
		node     string
		want     *framework.Status
	}{
		{name: "no constraints", pod: pod("p", "", app), nodes: []*v1.Node{node("n1", "z1")}, node: "n1"},
		{name: "empty cluster fits", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, node: "n1"},
		{name: "skew too big in the loaded zone", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: pods("n1", 1, app), node: "n1", want: framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)},
		{name: "the empty zone fits", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: pods("n1", 1, app), node: "n2"},
		{name: "maxSkew 2 allows it", pod: pod("p", "", app, spread("zone", 2, v1.DoNotSchedule, app)), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: pods("n1", 1, app), node: "n1"},
		{name: "non-matching pods do not count", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: pods("n1", 3, map[string]string{"app": "b"}), node: "n1"},
		{name: "a pod not matching its own selector adds nothing", pod: pod("p", "", nil, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: pods("n1", 1, app), node: "n1"},
		{name: "node without the key", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n3", "")}, node: "n3",
			want: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)},
		{name: "minDomains above the domain count makes the minimum 0",
			pod:   pod("p", "", app, with(zoneSpread, func(c *v1.TopologySpreadConstraint) { c.MinDomains = &three })),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, existing: append(pods("n1", 1, app), pods("n2", 1, app)...), node: "n2",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)},
		{name: "without minDomains the same placement fits", pod: pod("p", "", app, zoneSpread),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, existing: append(pods("n1", 1, app), pods("n2", 1, app)...), node: "n2"},
		{name: "nodeAffinityPolicy Honor leaves out domains the pod cannot use", pod: big(pod("p", "", app, zoneSpread)),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, existing: pods("n2", 2, app), node: "n2"},
		{name: "nodeAffinityPolicy Ignore counts them",
			pod:   big(pod("p", "", app, with(zoneSpread, func(c *v1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &ignore }))),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, existing: pods("n2", 2, app), node: "n2",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)},
		{name: "nodeTaintsPolicy Ignore (default) counts tainted domains", pod: pod("p", "", app, zoneSpread),
			nodes: []*v1.Node{node("n1", "z1", taint), node("n2", "z2")}, existing: pods("n2", 2, app), node: "n2",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)},
		{name: "nodeTaintsPolicy Honor leaves out untolerated domains",
			pod:   pod("p", "", app, with(zoneSpread, func(c *v1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor })),
			nodes: []*v1.Node{node("n1", "z1", taint), node("n2", "z2")}, existing: pods("n2", 2, app), node: "n2"},
		{name: "matchLabelKeys narrows the selector",
			pod: pod("p", "", map[string]string{"app": "a", "rev": "2"}, with(spread("zone", 1, v1.DoNotSchedule, nil), func(c *v1.TopologySpreadConstraint) {
				c.LabelSelector = &metav1.LabelSelector{MatchLabels: app}
				c.MatchLabelKeys = []string{"rev"}
			})),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")}, existing: pods("n1", 2, map[string]string{"app": "a", "rev": "1"}), node: "n1"},
		{name: "two constraints: hostname rejects", pod: pod("p", "", app, zoneSpread, spread(v1.LabelHostname, 1, v1.DoNotSchedule, app)),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1"), node("n3", "z2")}, existing: append(pods("n1", 1, app), pods("n3", 1, app)...), node: "n1",
			want: framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)},
		{name: "two constraints: both met", pod: pod("p", "", app, zoneSpread, spread(v1.LabelHostname, 1, v1.DoNotSchedule, app)),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1"), node("n3", "z2")}, existing: append(pods("n1", 1, app), pods("n3", 1, app)...), node: "n2"},
		{name: "terminating pods do not count", pod: pod("p", "", app, zoneSpread), nodes: []*v1.Node{node("n1", "z1"), node("n2", "z2")},
			existing: func() []*v1.Pod {
				p := pods("n1", 1, app)
				p[0].DeletionTimestamp = &metav1.Time{}
				return p
			}(), node: "n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(tt.nodes, tt.existing))
			pl, _ := New(nil, h)
			p := pl.(*PodTopologySpread)
			state := framework.NewCycleState()
			var got *framework.Status
			if st := p.PreFilter(context.Background(), state, tt.pod); !st.IsSkip() {
				got = p.Filter(context.Background(), state, tt.pod, h.Nodes.Get(tt.node))
			}
			if !got.Equal(tt.want) {
				t.Errorf("Filter(%s) = %v; want %v", tt.node, got, tt.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: app}}}
	svc := &v1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: "default"}, Spec: v1.ServiceSpec{Selector: app}}
	owned := pod("p", "", app)
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", Controller: new(bool)}}
	*owned.OwnerReferences[0].Controller = true
	// ownedBy are n pods on nodeName of the ReplicaSet with UID "rs-uid",
	// terminating when gone is set.
	withUID := owned.DeepCopy()
	withUID.OwnerReferences[0].UID = "rs-uid"
	ownedBy := func(nodeName string, n int, gone bool) []*v1.Pod {
		out := pods(nodeName, n, app)
		for _, p := range out {
			p.OwnerReferences = withUID.OwnerReferences
			if gone {
				p.Name += "-gone"
				p.UID += "-gone"
				p.DeletionTimestamp = &metav1.Time{}
			}
		}
		return out
	}
	tests := []struct {
		name     string
		pod      *v1.Pod
		nodes    []*v1.Node
		existing []*v1.Pod
		objs     []runtime.Object
		want     []int64
	}{
		{name: "zone constraint favours the empty zone", pod: pod("p", "", app, spread("zone", 1, v1.ScheduleAnyway, app)),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1"), node("n3", "z2")}, existing: pods("n1", 2, app), want: []int64{0, 0, 100}},
		{name: "nodes without the key are not scored", pod: pod("p", "", app, spread("zone", 1, v1.ScheduleAnyway, app)),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "")}, existing: pods("n1", 1, app), want: []int64{100, 0}},
		{name: "system defaults with the ReplicaSet's selector", pod: owned, objs: []runtime.Object{rs},
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1")}, existing: pods("n1", 2, app), want: []int64{72, 100}},
		// Terminating pods do not count, as upstream.
		{name: "system defaults, terminating pods left out", pod: withUID, objs: []runtime.Object{rs},
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1")}, existing: append(ownedBy("n1", 2, false), ownedBy("n1", 2, true)...),
			want: []int64{72, 100}},
		// As upstream, the derived selector is matched against every pod:
		// pods it matches count whoever owns them (counting the owner's
		// pods instead gives 100, 87).
		{name: "system defaults count unowned pods the selector matches", pod: withUID, objs: []runtime.Object{rs},
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1")}, existing: append(pods("n1", 2, app), ownedBy("n2", 1, false)...),
			want: []int64{91, 100}},
		{name: "system defaults with a Service's selector", pod: pod("p", "", app), objs: []runtime.Object{svc},
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1")}, existing: pods("n1", 2, app), want: []int64{72, 100}},
		{name: "system defaults spread by hostname without zones", pod: pod("p", "", app), objs: []runtime.Object{svc},
			nodes: []*v1.Node{node("n1", ""), node("n2", "")}, existing: pods("n1", 2, app), want: []int64{40, 100}},
		// As upstream, a node without a zone label is no zone domain: the
		// zone weight is log(1+2), not log(2+2) (which gives 16, 41, 100).
		{name: "system defaults, one node without a zone", pod: pod("p", "", app), objs: []runtime.Object{svc},
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1"), node("n3", "")}, existing: pods("n1", 2, app), want: []int64{18, 45, 100}},
		{name: "no owner and no service: skipped", pod: pod("p", "", app),
			nodes: []*v1.Node{node("n1", "z1"), node("n2", "z1")}, existing: pods("n1", 2, app), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(tt.nodes, tt.existing), tt.objs...)
			pl, _ := New(nil, h)
			p := pl.(*PodTopologySpread)
			state := framework.NewCycleState()
			if st := p.PreScore(context.Background(), state, tt.pod, h.Nodes); st.IsSkip() {
				if tt.want != nil {
					t.Errorf("PreScore skipped; want scores %v", tt.want)
				}
				return
			}
			var scores framework.NodeScoreList
			for _, n := range h.Nodes {
				s, _ := p.Score(context.Background(), state, tt.pod, n)
				scores = append(scores, framework.NodeScore{Name: n.Node().Name, Score: s})
			}
			p.NormalizeScore(context.Background(), state, tt.pod, scores)
			var got []int64
			for _, s := range scores {
				got = append(got, s.Score)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("scores = %v; want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("scores = %v; want %v", got, tt.want)
					break
				}
			}
		})
	}
}

func TestPreFilterExtensions(t *testing.T) {
	incoming := pod("p", "", app, spread("zone", 1, v1.DoNotSchedule, app))
	nodes := []*v1.Node{node("n1", "z1"), node("n2", "z2")}
	existing := pods("n1", 1, app)
	h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, existing))
	pl, _ := New(nil, h)
	p := pl.(*PodTopologySpread)
	ctx := context.Background()
	state := framework.NewCycleState()
	p.PreFilter(ctx, state, incoming)
	n1 := h.Nodes.Get("n1")
	if st := p.Filter(ctx, state, incoming, n1); st.IsSuccess() {
		t.Fatalf("Filter(n1) = %v; want a rejection", st)
	}
	p.RemovePod(ctx, state, incoming, framework.NewPodInfo(existing[0]), n1)
	if st := p.Filter(ctx, state, incoming, n1); !st.IsSuccess() {
		t.Errorf("Filter(n1) after RemovePod = %v; want success", st)
	}
	p.AddPod(ctx, state, incoming, framework.NewPodInfo(pod("q", "n1", app)), n1)
	p.AddPod(ctx, state, incoming, framework.NewPodInfo(pod("r", "n1", app)), n1)
	if st := p.Filter(ctx, state, incoming, n1); st.IsSuccess() {
		t.Errorf("Filter(n1) after AddPod twice = %v; want a rejection", st)
	}
}
