package daemonset

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func taint(key string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Effect: effect}
}

func TestShouldRun(t *testing.T) {
	affinity := func(op corev1.NodeSelectorOperator, vals ...string) *corev1.Affinity {
		return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: op, Values: vals}}}}}}}
	}
	tests := []struct {
		name              string
		spec              corev1.PodSpec
		node              *corev1.Node
		wantRun, wantKeep bool
	}{
		{name: "plain node", node: node("n", nil), wantRun: true, wantKeep: true},
		{name: "nodeSelector matches", spec: corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}},
			node: node("n", map[string]string{"disk": "ssd"}), wantRun: true, wantKeep: true},
		{name: "nodeSelector misses", spec: corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}, node: node("n", nil)},
		{name: "affinity In matches", spec: corev1.PodSpec{Affinity: affinity(corev1.NodeSelectorOpIn, "a", "b")},
			node: node("n", map[string]string{"zone": "b"}), wantRun: true, wantKeep: true},
		{name: "affinity NotIn excludes", spec: corev1.PodSpec{Affinity: affinity(corev1.NodeSelectorOpNotIn, "b")},
			node: node("n", map[string]string{"zone": "b"})},
		{name: "other nodeName", spec: corev1.PodSpec{NodeName: "m"}, node: node("n", nil)},
		{name: "untolerated NoSchedule: no new pod, keep the old", node: node("n", nil, taint("dedicated", corev1.TaintEffectNoSchedule)), wantKeep: true},
		{name: "untolerated NoExecute: neither", node: node("n", nil, taint("dedicated", corev1.TaintEffectNoExecute))},
		{name: "PreferNoSchedule ignored", node: node("n", nil, taint("dedicated", corev1.TaintEffectPreferNoSchedule)), wantRun: true, wantKeep: true},
		{name: "tolerated by the pod", spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}},
			node: node("n", nil, taint("dedicated", corev1.TaintEffectNoExecute)), wantRun: true, wantKeep: true},
		{name: "automatic: not-ready NoExecute", node: node("n", nil, taint(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)), wantRun: true, wantKeep: true},
		{name: "automatic: unreachable NoExecute", node: node("n", nil, taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)), wantRun: true, wantKeep: true},
		{name: "automatic: unschedulable", node: node("n", nil, taint(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)), wantRun: true, wantKeep: true},
		{name: "automatic: memory pressure", node: node("n", nil, taint(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)), wantRun: true, wantKeep: true},
		{name: "automatic: disk and pid pressure", node: node("n", nil, taint(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule),
			taint(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)), wantRun: true, wantKeep: true},
		{name: "network-unavailable blocks a pod network pod", node: node("n", nil, taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)), wantKeep: true},
		{name: "network-unavailable tolerated for hostNetwork", spec: corev1.PodSpec{HostNetwork: true},
			node: node("n", nil, taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)), wantRun: true, wantKeep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec.DeepCopy()
			addDaemonTolerations(spec)
			run, keep := shouldRun(spec, tt.node)
			if run != tt.wantRun || keep != tt.wantKeep {
				t.Errorf("shouldRun() = %v, %v; want %v, %v", run, keep, tt.wantRun, tt.wantKeep)
			}
		})
	}
}

func TestNewPodBinding(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ns", Generation: 3},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}}}}}
	p := newPod(ds, "n7", "abc")
	if got := targetNode(p); got != "n7" {
		t.Errorf("targetNode(newPod(n7)) = %q; want n7", got)
	}
	if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != "abc" || p.Labels[templateGenerationLabel] != "3" || p.GenerateName != "agent-" {
		t.Errorf("newPod() labels %v generateName %q; want hash abc, generation 3, agent-", p.Labels, p.GenerateName)
	}
	if len(p.Spec.Tolerations) != len(daemonTolerations) {
		t.Errorf("newPod() tolerations = %d; want %d", len(p.Spec.Tolerations), len(daemonTolerations))
	}
	if run, _ := shouldRun(&p.Spec, node("n8", nil)); run {
		t.Errorf("a pod bound to n7 fits n8")
	}
}

// dp is a daemon pod on node: "new" or "old" (its template), "a"
// available, "u" unavailable, "f" failed, "t" terminating.
func dp(name, node, rev, state string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0),
		Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: rev}}, Spec: corev1.PodSpec{NodeName: node}}
	switch state {
	case "a":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}}
	case "u":
		p.Status.Phase = corev1.PodPending
	case "f":
		p.Status.Phase = corev1.PodFailed
	case "t":
		p.DeletionTimestamp = &metav1.Time{Time: t0}
	}
	return p
}

func byNode(pods ...*corev1.Pod) map[string][]*corev1.Pod {
	m := map[string][]*corev1.Pod{}
	for _, p := range pods {
		m[p.Spec.NodeName] = append(m[p.Spec.NodeName], p)
	}
	return m
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestRoll(t *testing.T) {
	tests := []struct {
		name                     string
		pods                     map[string][]*corev1.Pod
		maxSurge, maxUnavailable int
		wantDelete, wantCreate   []string
	}{
		{name: "unavailable 1: one old pod at a time", maxUnavailable: 1,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("b", "n2", "old", "a"), dp("c", "n3", "old", "a")),
			wantDelete: []string{"a"}},
		{name: "unavailable 2: two at once", maxUnavailable: 2,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("b", "n2", "old", "a"), dp("c", "n3", "old", "a")),
			wantDelete: []string{"a", "b"}},
		{name: "an unavailable new pod uses the budget", maxUnavailable: 1,
			pods: byNode(dp("a", "n1", "new", "u"), dp("b", "n2", "old", "a"), dp("c", "n3", "old", "a"))},
		{name: "a node without a pod uses the budget", maxUnavailable: 1,
			pods: byNode(dp("a", "n1", "old", "t"), dp("b", "n2", "old", "a"))},
		{name: "unavailable old pods are always replaced", maxUnavailable: 1,
			pods:       byNode(dp("a", "n1", "new", "u"), dp("b", "n2", "old", "u"), dp("c", "n3", "old", "a")),
			wantDelete: []string{"b"}},
		{name: "rolled out: nothing", maxUnavailable: 1,
			pods: byNode(dp("a", "n1", "new", "a"), dp("b", "n2", "new", "a"))},
		{name: "surge 1: one new pod beside an old one", maxSurge: 1,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("b", "n2", "old", "a")),
			wantCreate: []string{"n1"}},
		{name: "surge waits for the new pod", maxSurge: 1,
			pods: byNode(dp("a", "n1", "old", "a"), dp("a2", "n1", "new", "u"), dp("b", "n2", "old", "a"))},
		{name: "surge deletes the old pod once the new one is available and surges on", maxSurge: 1,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("a2", "n1", "new", "a"), dp("b", "n2", "old", "a")),
			wantDelete: []string{"a"}, wantCreate: []string{"n2"}},
		{name: "surge replaces an unavailable old pod beyond the budget", maxSurge: 1,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("a2", "n1", "new", "u"), dp("b", "n2", "old", "u")),
			wantCreate: []string{"n2"}},
		{name: "surge 2", maxSurge: 2,
			pods:       byNode(dp("a", "n1", "old", "a"), dp("b", "n2", "old", "a"), dp("c", "n3", "old", "a")),
			wantCreate: []string{"n1", "n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			del, create := roll(rollInput{nodes: tt.pods, hash: "new", generation: 9, maxSurge: tt.maxSurge, maxUnavailable: tt.maxUnavailable, now: t0})
			if got := names(del); !reflect.DeepEqual(got, tt.wantDelete) {
				t.Errorf("roll() deletes %v; want %v", got, tt.wantDelete)
			}
			if !reflect.DeepEqual(create, tt.wantCreate) {
				t.Errorf("roll() creates on %v; want %v", create, tt.wantCreate)
			}
		})
	}
}

func TestRollLimits(t *testing.T) {
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	num := func(n int32) *intstr.IntOrString { v := intstr.FromInt32(n); return &v }
	tests := []struct {
		name                       string
		ru                         *appsv1.RollingUpdateDaemonSet
		desired                    int
		wantSurge, wantUnavailable int
	}{
		{name: "no rolling update: one unavailable", desired: 5, wantUnavailable: 1},
		{name: "numbers", ru: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: num(2), MaxSurge: num(0)}, desired: 5, wantUnavailable: 2},
		{name: "percent rounds up", ru: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: pct("10%")}, desired: 15, wantUnavailable: 2},
		{name: "surge percent", ru: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: num(0), MaxSurge: pct("25%")}, desired: 10, wantSurge: 3},
		{name: "both zero: one unavailable", ru: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: num(0), MaxSurge: num(0)}, desired: 4, wantUnavailable: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u := rollLimits(tt.ru, tt.desired)
			if s != tt.wantSurge || u != tt.wantUnavailable {
				t.Errorf("rollLimits(%d) = %d, %d; want %d, %d", tt.desired, s, u, tt.wantSurge, tt.wantUnavailable)
			}
		})
	}
}

func TestPlace(t *testing.T) {
	nodes := []*corev1.Node{node("n1", nil), node("n2", nil), node("n3", nil, taint("gone", corev1.TaintEffectNoExecute)), node("n4", nil)}
	dup := dp("d2", "n4", "new", "a")
	dup.CreationTimestamp = metav1.NewTime(t0.Add(time.Minute))
	orphan := dp("o", "", "new", "u")
	bindToNode(&orphan.Spec, "gone-node")
	pods := byNode(dp("f", "n1", "new", "f"), dp("x", "n3", "new", "a"), dp("d1", "n4", "new", "a"), dup)
	pods["gone-node"] = []*corev1.Pod{orphan}
	spec := &corev1.PodSpec{}
	addDaemonTolerations(spec)
	tests := []struct {
		name        string
		allowFailed bool
		wantCreate  []string
		wantDelete  []string
	}{
		{name: "failed pod allowed out of back-off", allowFailed: true, wantCreate: []string{"n2"}, wantDelete: []string{"f", "x", "d2", "o"}},
		{name: "failed pod in back-off stays", wantCreate: []string{"n2"}, wantDelete: []string{"x", "d2", "o"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := place(spec, nodes, pods, false, "new", 1, func(string) bool { return tt.allowFailed })
			if !reflect.DeepEqual(pl.createOn, tt.wantCreate) {
				t.Errorf("place() creates on %v; want %v", pl.createOn, tt.wantCreate)
			}
			if got := names(pl.delete); !reflect.DeepEqual(got, tt.wantDelete) {
				t.Errorf("place() deletes %v; want %v", got, tt.wantDelete)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	now := t0
	b := newBackoff(func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		want    time.Duration
	}{{0, 0}, {0, time.Second}, {time.Second, 0}, {time.Second, time.Second}, {time.Second, 0}, {time.Hour, 0}}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := b.wait("k"); got != s.want {
			t.Errorf("step %d (+%v): wait() = %v; want %v", i, s.advance, got, s.want)
		}
	}
}
