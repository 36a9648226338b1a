package daemonset

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/controller/history"
)

// crev is a revision named name numbered n holding data, hashed hash.
func crev(name string, n int64, data, hash string) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{history.PodHashLabel: hash}},
		Revision: n, Data: runtime.RawExtension{Raw: []byte(data)}}
}

func revNames(revs []*appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Name)
	}
	return out
}

func TestPlanRevisions(t *testing.T) {
	tests := []struct {
		name       string
		revs       []*appsv1.ControllerRevision
		wantCur    string
		wantNumber int64
		wantDups   []string
		wantOld    []string
	}{
		{name: "no revisions: create number 1", wantNumber: 1},
		{name: "new template: create above the others", revs: []*appsv1.ControllerRevision{crev("a", 1, "A", "ha"), crev("b", 2, "B", "hb")},
			wantNumber: 3, wantOld: []string{"a", "b"}},
		{name: "current is the newest: kept as is", revs: []*appsv1.ControllerRevision{crev("a", 1, "A", "ha"), crev("c", 2, "C", "hc")},
			wantCur: "c", wantNumber: 2, wantOld: []string{"a"}},
		{name: "rollback: the older match is renumbered above the rest", revs: []*appsv1.ControllerRevision{crev("c", 1, "C", "hc"), crev("a", 2, "A", "ha")},
			wantCur: "c", wantNumber: 3, wantOld: []string{"a"}},
		{name: "duplicates: the highest number is kept", revs: []*appsv1.ControllerRevision{crev("a", 1, "A", "ha"), crev("c1", 2, "C", "h1"),
			crev("c2", 4, "C", "h2"), crev("c3", 3, "C", "h3")},
			wantCur: "c2", wantNumber: 2, wantDups: []string{"c1", "c3"}, wantOld: []string{"a"}},
		{name: "duplicates with equal numbers: the last is kept", revs: []*appsv1.ControllerRevision{crev("c1", 2, "C", "h1"), crev("c2", 2, "C", "h2")},
			wantCur: "c2", wantNumber: 1, wantDups: []string{"c1"}},
		{name: "duplicates below an old revision: kept one renumbered", revs: []*appsv1.ControllerRevision{crev("c1", 1, "C", "h1"), crev("c2", 2, "C", "h2"),
			crev("a", 5, "A", "ha")},
			wantCur: "c2", wantNumber: 6, wantDups: []string{"c1"}, wantOld: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := planRevisions(tt.revs, []byte("C"))
			var cur string
			if pl.cur != nil {
				cur = pl.cur.Name
			}
			if cur != tt.wantCur || pl.number != tt.wantNumber || !reflect.DeepEqual(revNames(pl.dups), tt.wantDups) || !reflect.DeepEqual(revNames(pl.old), tt.wantOld) {
				t.Errorf("planRevisions(%v) = cur %q number %d dups %v old %v; want cur %q number %d dups %v old %v", revNames(tt.revs),
					cur, pl.number, revNames(pl.dups), revNames(pl.old), tt.wantCur, tt.wantNumber, tt.wantDups, tt.wantOld)
			}
		})
	}
}

func TestToRelabel(t *testing.T) {
	pod := func(name, hash string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
		if hash != "" {
			p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
		}
		return p
	}
	byNode := map[string][]*corev1.Pod{
		"n2": {pod("p-dup2", "h2"), pod("p-old", "ha")},
		"n1": {pod("p-dup1", "h1"), pod("p-keep", "hk")},
		"n3": {pod("p-unlabelled", "")},
	}
	tests := []struct {
		name string
		dups []*appsv1.ControllerRevision
		want []string
	}{
		{name: "no duplicates"},
		{name: "pods of every duplicate, by node; not the kept, old or unlabelled ones",
			dups: []*appsv1.ControllerRevision{crev("c1", 1, "C", "h1"), crev("c2", 2, "C", "h2")}, want: []string{"p-dup1", "p-dup2"}},
		{name: "only the duplicate's pods", dups: []*appsv1.ControllerRevision{crev("c2", 2, "C", "h2")}, want: []string{"p-dup2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range toRelabel(byNode, tt.dups) {
				got = append(got, p.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("toRelabel(dups %v) = %v; want %v", revNames(tt.dups), got, tt.want)
			}
		})
	}
}
