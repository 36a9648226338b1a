package scheduler

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
