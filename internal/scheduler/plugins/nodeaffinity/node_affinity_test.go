package nodeaffinity

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func required(terms ...v1.NodeSelectorTerm) *v1.Affinity {
	return &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{NodeSelectorTerms: terms}}}
}

func expr(key string, op v1.NodeSelectorOperator, values ...string) v1.NodeSelectorTerm {
	return v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestFilter(t *testing.T) {
	reject := framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPod)
	tests := []struct {
		name     string
		selector map[string]string
		affinity *v1.Affinity
		labels   map[string]string
		want     *framework.Status
	}{
		{name: "no selector", labels: map[string]string{"foo": "bar"}},
		{name: "nodeSelector missing label", selector: map[string]string{"foo": "bar"}, want: reject},
		{name: "nodeSelector matches", selector: map[string]string{"foo": "bar"}, labels: map[string]string{"foo": "bar", "baz": "x"}},
		{name: "In matches", affinity: required(expr("foo", v1.NodeSelectorOpIn, "bar", "value2")), labels: map[string]string{"foo": "bar"}},
		{name: "Gt matches", affinity: required(expr("kernel-version", v1.NodeSelectorOpGt, "0204")), labels: map[string]string{"kernel-version": "0206"}},
		{name: "Lt does not match", affinity: required(expr("kernel-version", v1.NodeSelectorOpLt, "0204")), labels: map[string]string{"kernel-version": "0206"}, want: reject},
		{name: "NotIn excludes", affinity: required(expr("mem-type", v1.NodeSelectorOpNotIn, "DDR", "DDR2")), labels: map[string]string{"mem-type": "DDR"}, want: reject},
		{name: "Exists", affinity: required(expr("GPU", v1.NodeSelectorOpExists)), labels: map[string]string{"GPU": "NVIDIA-GRID-K1"}},
		{name: "DoesNotExist", affinity: required(expr("GPU", v1.NodeSelectorOpDoesNotExist)), labels: map[string]string{"GPU": "x"}, want: reject},
		{name: "terms are ORed", affinity: required(expr("foo", v1.NodeSelectorOpIn, "x"), expr("diffkey", v1.NodeSelectorOpIn, "wrong", "value2")),
			labels: map[string]string{"diffkey": "value2"}},
		{name: "empty term list matches nothing", affinity: required(), labels: map[string]string{"foo": "bar"}, want: reject},
		{name: "empty term matches nothing", affinity: required(v1.NodeSelectorTerm{}), labels: map[string]string{"foo": "bar"}, want: reject},
		{name: "nodeSelector and affinity both needed", selector: map[string]string{"foo": "bar"}, affinity: required(expr("GPU", v1.NodeSelectorOpExists)),
			labels: map[string]string{"foo": "bar"}, want: reject},
		{name: "matchFields on metadata.name", affinity: required(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"node1"}}}})},
		{name: "matchFields other name", affinity: required(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"node2"}}}}), want: reject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := framework.NewNodeInfo()
			n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node1", Labels: tt.labels}})
			pod := &v1.Pod{Spec: v1.PodSpec{NodeSelector: tt.selector, Affinity: tt.affinity}}
			if got := (&NodeAffinity{}).Filter(context.Background(), nil, pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter(labels %v) = %v; want %v", tt.labels, got, tt.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	pref := func(w int32, key, value string) v1.PreferredSchedulingTerm {
		return v1.PreferredSchedulingTerm{Weight: w, Preference: expr(key, v1.NodeSelectorOpIn, value)}
	}
	pod := &v1.Pod{Spec: v1.PodSpec{Affinity: &v1.Affinity{NodeAffinity: &v1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.PreferredSchedulingTerm{
		pref(2, "foo", "bar"), pref(4, "key", "value"), pref(5, "az", "az1")}}}}}
	nodes := []map[string]string{{"foo": "bar"}, {"foo": "bar", "key": "value"}, {"foo": "bar", "key": "value", "az": "az1"}, {}}
	want := []int64{18, 54, 100, 0}
	pl := &NodeAffinity{}
	var scores framework.NodeScoreList
	for i, l := range nodes {
		n := framework.NewNodeInfo()
		n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: string(rune('a' + i)), Labels: l}})
		s, _ := pl.Score(context.Background(), nil, pod, n)
		scores = append(scores, framework.NodeScore{Name: n.Node().Name, Score: s})
	}
	pl.NormalizeScore(context.Background(), nil, pod, scores)
	for i := range scores {
		if scores[i].Score != want[i] {
			t.Errorf("score of node with labels %v = %d; want %d", nodes[i], scores[i].Score, want[i])
		}
	}
}
