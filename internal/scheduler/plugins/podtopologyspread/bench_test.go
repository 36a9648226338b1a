package podtopologyspread

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

// BenchmarkDefaultSpreadScore scores a ReplicaSet's pod under the system
// default constraints over 1,000 nodes holding 10 of its pods each
// (matching the derived selector against each pod, as upstream).
func BenchmarkDefaultSpreadScore(b *testing.B) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: app}}}
	var nodes []*v1.Node
	var existing []*v1.Pod
	for i := range 1000 {
		n := node(fmt.Sprintf("n%d", i), fmt.Sprintf("z%d", i%3))
		nodes = append(nodes, n)
		for _, p := range pods(n.Name, 10, app) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}}
			existing = append(existing, p)
		}
	}
	h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, existing), rs)
	pl, _ := New(nil, h)
	p := pl.(*PodTopologySpread)
	owned := pod("p", "", app)
	yes := true
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "rs-uid", Controller: &yes}}
	for b.Loop() {
		state := framework.NewCycleState()
		p.PreScore(context.Background(), state, owned, h.Nodes)
		for _, n := range h.Nodes {
			p.Score(context.Background(), state, owned, n)
		}
	}
}
