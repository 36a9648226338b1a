package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func snapshotNames(s *Snapshot) []string {
	var names []string
	for _, n := range s.List() {
		names = append(names, n.Node().Name)
	}
	return names
}

// TestUpdateSnapshot checks that a changed node is replaced in place, that
// added and removed nodes rebuild the sorted list, and that Get and List
// agree after each step.
func TestUpdateSnapshot(t *testing.T) {
	node := func(name string) *v1.Node { return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}} }
	c, s := NewCache(), NewSnapshot()
	for _, name := range []string{"c", "a", "b"} {
		c.AddNode(node(name))
	}
	c.UpdateSnapshot(s)
	if got, want := snapshotNames(s), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("after adding nodes, List = %v; want %v", got, want)
	}

	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u"}, Spec: v1.PodSpec{NodeName: "b"}}
	if err := c.AssumePod(pod); err != nil {
		t.Fatalf("AssumePod: %v", err)
	}
	before := s.Get("a")
	c.UpdateSnapshot(s)
	if got, want := snapshotNames(s), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after a pod change, List = %v; want %v", got, want)
	}
	if got := len(s.List()[1].Pods); got != 1 || s.List()[1] != s.Get("b") {
		t.Errorf("after a pod change, list entry b has %d pods (same as Get: %v); want 1 and the same", got, s.List()[1] == s.Get("b"))
	}
	if s.Get("a") != before {
		t.Errorf("unchanged node a was copied again; want the same snapshot entry")
	}

	c.AddNode(node("aa"))
	c.RemoveNode(node("c"))
	c.UpdateSnapshot(s)
	if got, want := snapshotNames(s), []string{"a", "aa", "b"}; !slices.Equal(got, want) {
		t.Errorf("after adding aa and removing c, List = %v; want %v", got, want)
	}
	for i, n := range s.List() {
		if s.Get(n.Node().Name) != n || s.index[n.Node().Name] != i {
			t.Errorf("node %s: Get or index disagrees with List position %d", n.Node().Name, i)
		}
	}
}

// TestUpdateSnapshotWalksChanges: each of two snapshots of one cache gets
// exactly the nodes changed since its own last update.
func TestUpdateSnapshotWalksChanges(t *testing.T) {
	node := func(name string) *v1.Node { return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}} }
	pod := func(uid, nodeName string) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: uid, UID: types.UID(uid)}, Spec: v1.PodSpec{NodeName: nodeName}}
	}
	c, s1, s2 := NewCache(), NewSnapshot(), NewSnapshot()
	for _, name := range []string{"a", "b", "c", "d"} {
		c.AddNode(node(name))
	}
	c.UpdateSnapshot(s1)
	c.UpdateSnapshot(s2)
	steps := []struct {
		name     string
		change   func()
		snapshot *Snapshot
		want     map[string]int // pods per node
	}{
		{"assume on b", func() { _ = c.AssumePod(pod("p1", "b")) }, s1, map[string]int{"a": 0, "b": 1, "c": 0, "d": 0}},
		{"bind on d, forget b", func() { c.AddPod(pod("p2", "d")); c.ForgetPod(pod("p1", "b")) }, s1, map[string]int{"b": 0, "d": 1}},
		{"the second snapshot catches up at once", func() {}, s2, map[string]int{"a": 0, "b": 0, "d": 1}},
		{"a pod on a node not yet seen", func() { c.AddPod(pod("p3", "e")) }, s1, map[string]int{"d": 1}},
		{"that node arrives", func() { c.AddNode(node("e")) }, s1, map[string]int{"d": 1, "e": 1}},
		{"a pod removed from a", func() { c.AddPod(pod("p4", "a")); c.RemovePod(pod("p4", "a")) }, s2, map[string]int{"a": 0, "e": 1}},
	}
	for _, st := range steps {
		st.change()
		c.UpdateSnapshot(st.snapshot)
		for name, want := range st.want {
			n := st.snapshot.Get(name)
			if n == nil {
				t.Errorf("%s: node %s missing from the snapshot", st.name, name)
				continue
			}
			if got := len(n.Pods); got != want {
				t.Errorf("%s: node %s has %d pods; want %d", st.name, name, got, want)
			}
			if i := st.snapshot.index[name]; st.snapshot.List()[i] != n {
				t.Errorf("%s: node %s: List entry differs from Get", st.name, name)
			}
		}
	}
}

// TestSnapshotDerivedLists: the affinity lists and image counts follow
// the pods and nodes through incremental updates, always pointing at the
// current copy of each node.
func TestSnapshotDerivedLists(t *testing.T) {
	node := func(name string, images ...string) *v1.Node {
		n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		for _, img := range images {
			n.Status.Images = append(n.Status.Images, v1.ContainerImage{Names: []string{img}, SizeBytes: 1 << 20})
		}
		return n
	}
	anti := &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
		TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}}}
	pref := &v1.Affinity{PodAffinity: &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{
		Weight: 1, PodAffinityTerm: v1.PodAffinityTerm{TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{}}}}}}
	pod := func(uid, node string, a *v1.Affinity) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: uid, UID: types.UID(uid)}, Spec: v1.PodSpec{NodeName: node, Affinity: a}}
	}
	names := func(ns []*framework.NodeInfo) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Node().Name)
		}
		return out
	}
	c, s := NewCache(), NewSnapshot()
	c.AddNode(node("a", "nginx"))
	c.AddNode(node("b", "nginx", "redis"))
	c.AddNode(node("c"))
	c.UpdateSnapshot(s)
	if got := names(s.HavePodsWithAffinityList()); len(got) != 0 {
		t.Errorf("no pods: HavePodsWithAffinityList = %v; want none", got)
	}
	if s.ImageNumNodes("nginx") != 2 || s.ImageNumNodes("redis") != 1 || s.ImageNumNodes("busybox") != 0 {
		t.Errorf("ImageNumNodes nginx, redis, busybox = %d, %d, %d; want 2, 1, 0", s.ImageNumNodes("nginx"), s.ImageNumNodes("redis"), s.ImageNumNodes("busybox"))
	}

	steps := []struct {
		what     string
		change   func()
		affinity []string
		anti     []string
	}{
		{"plain pod on a", func() { _ = c.AssumePod(pod("p1", "a", nil)) }, nil, nil},
		{"anti-affinity pod on c", func() { _ = c.AssumePod(pod("p2", "c", anti)) }, []string{"c"}, []string{"c"}},
		{"preferred-affinity pod on b", func() { _ = c.AssumePod(pod("p3", "b", pref)) }, []string{"b", "c"}, []string{"c"}},
		{"another plain pod on c", func() { _ = c.AssumePod(pod("p4", "c", nil)) }, []string{"b", "c"}, []string{"c"}},
		{"anti-affinity pod leaves c", func() { c.ForgetPod(pod("p2", "c", anti)) }, []string{"b"}, nil},
	}
	for _, st := range steps {
		st.change()
		c.UpdateSnapshot(s)
		aff, an := s.HavePodsWithAffinityList(), s.HavePodsWithRequiredAntiAffinityList()
		if got := names(aff); !slices.Equal(got, st.affinity) {
			t.Errorf("after %s: HavePodsWithAffinityList = %v; want %v", st.what, got, st.affinity)
		}
		if got := names(an); !slices.Equal(got, st.anti) {
			t.Errorf("after %s: HavePodsWithRequiredAntiAffinityList = %v; want %v", st.what, got, st.anti)
		}
		for _, n := range append(aff, an...) {
			if s.Get(n.Node().Name) != n {
				t.Errorf("after %s: list entry %s is not the snapshot's current copy", st.what, n.Node().Name)
			}
		}
	}

	c.AddNode(node("a", "redis")) // an update: the same name
	c.UpdateSnapshot(s)
	if s.ImageNumNodes("nginx") != 1 || s.ImageNumNodes("redis") != 2 {
		t.Errorf("after a's images changed, ImageNumNodes nginx, redis = %d, %d; want 1, 2", s.ImageNumNodes("nginx"), s.ImageNumNodes("redis"))
	}
}

// TestSnapshotCompacts: once enough nodes were replaced, the snapshot lays
// its NodeInfos out in one block again, in list order, with the same
// contents, and Get, List and the index still agree.
func TestSnapshotCompacts(t *testing.T) {
	c, s := NewCache(), NewSnapshot()
	const nodes = 2 * compactAfter
	for i := range nodes {
		c.AddNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n%03d", i)}})
	}
	c.UpdateSnapshot(s)
	contiguous := func() bool {
		l := s.List()
		for i := 1; i < len(l); i++ {
			if uintptr(unsafe.Pointer(l[i]))-uintptr(unsafe.Pointer(l[i-1])) != unsafe.Sizeof(*l[0]) {
				return false
			}
		}
		return true
	}
	if !contiguous() {
		t.Fatal("a new snapshot is not laid out in one block")
	}
	for i := range compactAfter + 1 {
		pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprint(i), UID: types.UID(fmt.Sprint(i))},
			Spec: v1.PodSpec{NodeName: fmt.Sprintf("n%03d", i)}}
		if err := c.AssumePod(pod); err != nil {
			t.Fatal(err)
		}
		c.UpdateSnapshot(s)
		if i < compactAfter && contiguous() {
			t.Fatalf("after %d replaced nodes the snapshot was compacted; want it to wait for %d", i+1, compactAfter+1)
		}
	}
	if !contiguous() {
		t.Fatalf("after %d replaced nodes the snapshot is not laid out in one block", compactAfter+1)
	}
	for i, n := range s.List() {
		want := 0
		if i <= compactAfter {
			want = 1
		}
		if len(n.Pods) != want || s.Get(n.Name()) != n || s.index[n.Name()] != i {
			t.Fatalf("node %s at %d: %d pods (want %d), Get same %v, index %d", n.Name(), i, len(n.Pods), want, s.Get(n.Name()) == n, s.index[n.Name()])
		}
	}
}
