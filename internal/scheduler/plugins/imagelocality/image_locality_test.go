package imagelocality

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

func node(name string, images ...v1.ContainerImage) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NodeStatus{Images: images}}
}

func image(size int64, names ...string) v1.ContainerImage {
	return v1.ContainerImage{Names: names, SizeBytes: size}
}

func podWith(images ...string) *v1.Pod {
	p := &v1.Pod{}
	for _, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Image: img})
	}
	return p
}

// TestScore follows upstream's cases: node1 holds gcr.io/40:latest (40
// MiB) and gcr.io/300:latest (300 MiB), node2 gcr.io/250:latest (250
// MiB), node3 gcr.io/2000:latest (2000 MiB) and gcr.io/10:latest.
func TestScore(t *testing.T) {
	nodes := []*v1.Node{
		node("node1", image(40*mb, "gcr.io/40:latest", "gcr.io/40:v1"), image(300*mb, "gcr.io/300:latest", "gcr.io/300:v1")),
		node("node2", image(250*mb, "gcr.io/250:latest")),
		node("node3", image(2000*mb, "gcr.io/2000:latest"), image(10*mb, "gcr.io/10:latest")),
	}
	tests := []struct {
		name string
		pod  *v1.Pod
		want []int64
	}{
		// Two containers, ceiling 2000 MiB. node1: 40/3 MiB is below the
		// floor -> 0; node2: 250/3 MiB -> 100*(83.3-23)/(2000-23) = 3.
		{"two images, each on one node", podWith("gcr.io/40", "gcr.io/250"), []int64{0, 3, 0}},
		// Three containers, ceiling 3000 MiB. node1: (40+300)/3 MiB ->
		// 100*(113.3-23)/2977 = 3; node3: 2000/3 MiB -> 21.
		{"large image on node3", podWith("gcr.io/40", "gcr.io/300", "gcr.io/2000"), []int64{3, 0, 21}},
		// 300/3 MiB -> 100*(100-23)/977 = 7.
		{"untagged name means latest", podWith("gcr.io/300"), []int64{7, 0, 0}},
		{"no image held anywhere", podWith("gcr.io/unknown"), []int64{0, 0, 0}},
		{"tag must match", podWith("gcr.io/300:v2"), []int64{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, nil))
			pl, _ := New(nil, h)
			il := pl.(*ImageLocality)
			state := framework.NewCycleState()
			il.PreScore(context.Background(), state, tt.pod, h.Nodes)
			for i, n := range h.Nodes {
				got, st := il.Score(context.Background(), state, tt.pod, n)
				if !st.IsSuccess() || got != tt.want[i] {
					t.Errorf("Score(%s) = %d, %v; want %d", n.Node().Name, got, st, tt.want[i])
				}
			}
		})
	}
}

func TestSpreadScalesScores(t *testing.T) {
	one := []*v1.Node{node("a", image(500*mb, "img:latest")), node("b"), node("c"), node("d")}
	all := []*v1.Node{node("a", image(500*mb, "img:latest")), node("b", image(500*mb, "img:latest")), node("c", image(500*mb, "img:latest")), node("d", image(500*mb, "img:latest"))}
	score := func(nodes []*v1.Node) int64 {
		h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, nil))
		pl, _ := New(nil, h)
		il := pl.(*ImageLocality)
		state := framework.NewCycleState()
		il.PreScore(context.Background(), state, podWith("img"), h.Nodes)
		s, _ := il.Score(context.Background(), state, podWith("img"), h.Nodes[0])
		return s
	}
	if a, b := score(one), score(all); a != 10 || b != 48 {
		t.Errorf("score on one of four nodes = %d, on all four = %d; want 10, 48", a, b)
	}
}
