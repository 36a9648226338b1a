package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

func labelled(name, ns string, lbls map[string]string) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name), Labels: lbls}}
}

// TestCountMatching: the count leaves out other namespaces, terminating
// pods and pods the selector does not match, and the memo never answers
// for a changed node, another selector or another namespace.
func TestCountMatching(t *testing.T) {
	web, db := map[string]string{"app": "web"}, map[string]string{"app": "db"}
	gone := labelled("gone", "a", web)
	gone.DeletionTimestamp = &metav1.Time{}
	n := NewNodeInfo(labelled("w1", "a", web), labelled("w2", "a", web), labelled("d1", "a", db), labelled("w3", "b", web), gone)
	n.Generation = 7
	selWeb, selDB := labels.SelectorFromSet(web), labels.SelectorFromSet(db)
	count := func(sel labels.Selector, ns string) int64 { return n.CountMatching(sel.String(), sel, ns) }
	steps := []struct {
		name   string
		change func()
		sel    labels.Selector
		ns     string
		want   int64
	}{
		{"web in a", nil, selWeb, "a", 2},
		{"again, from the memo", nil, selWeb, "a", 2},
		{"another selector", nil, selDB, "a", 1},
		{"another namespace", nil, selWeb, "b", 1},
		{"a pod added", func() { n.AddPod(labelled("w4", "a", web)) }, selWeb, "a", 3},
		{"a pod removed", func() {
			if err := n.RemovePod(labelled("w1", "a", web)); err != nil {
				t.Fatal(err)
			}
		}, selWeb, "a", 2},
		// The cache bumps Generation when it changes a node's pods; the
		// pods are swapped here behind its back to see the memo drop.
		{"a new generation", func() { n.Pods = n.Pods[:1]; n.Generation++ }, selWeb, "a", 1},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		if got := count(st.sel, st.ns); got != st.want {
			t.Errorf("%s: CountMatching(%s, %s) = %d; want %d", st.name, st.sel, st.ns, got, st.want)
		}
	}
}

// TestTopologyValue: the hostname and zone labels are read from SetNode's
// copies, others from the node; a label's absence shows, a clone keeps
// them, and a node set again replaces them.
func TestTopologyValue(t *testing.T) {
	n := &NodeInfo{}
	if _, ok := n.TopologyValue(v1.LabelHostname); ok {
		t.Fatalf("a NodeInfo without a node has a hostname")
	}
	n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{
		v1.LabelHostname: "n1", v1.LabelTopologyZone: "z1", "rack": "r1"}}})
	check := func(n *NodeInfo, key, want string, wantOK bool) {
		t.Helper()
		if v, ok := n.TopologyValue(key); v != want || ok != wantOK {
			t.Errorf("TopologyValue(%q) = %q, %v; want %q, %v", key, v, ok, want, wantOK)
		}
	}
	check(n, v1.LabelHostname, "n1", true)
	check(n, v1.LabelTopologyZone, "z1", true)
	check(n, "rack", "r1", true)
	check(n, "row", "", false)
	c := n.Clone()
	check(c, v1.LabelHostname, "n1", true)
	check(c, v1.LabelTopologyZone, "z1", true)
	n.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{v1.LabelHostname: "n1b"}}})
	check(n, v1.LabelHostname, "n1b", true)
	check(n, v1.LabelTopologyZone, "", false)
	check(n, "rack", "", false)
}
