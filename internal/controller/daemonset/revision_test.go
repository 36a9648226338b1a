package daemonset

import (
	"context"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

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

func TestRevisionDedupsThroughTheAPI(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ns", UID: "ds-uid"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}}}}}
	data, err := history.TemplatePatch(&ds.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	in := func(r *appsv1.ControllerRevision) *appsv1.ControllerRevision { r.Namespace = "ns"; return r }
	older := in(crev("agent-old", 1, `{"other":1}`, "hold"))
	dup := in(crev("agent-dup", 2, string(data), "hdup"))
	keep := in(crev("agent-keep", 3, string(data), "hkeep"))
	unlabelled := in(crev("agent-bare", 1, `{"bare":1}`, ""))
	delete(unlabelled.Labels, history.PodHashLabel)
	podOf := func(name, hash string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name),
			Labels: map[string]string{"app": "agent", appsv1.DefaultDaemonSetUniqueLabelKey: hash}}}
	}
	dupPod, oldPod, keptPod := podOf("p-dup", "hdup"), podOf("p-old", "hold"), podOf("p-keep", "hkeep")
	client := fake.NewClientset(older, dup, keep, unlabelled, dupPod, oldPod, keptPod)
	r := &Reconciler{client: client, history: history.NewStore(client, nil, history.PodHashLabel)}
	byNode := map[string][]*corev1.Pod{"n1": {dupPod}, "n2": {oldPod}, "n3": {keptPod}}

	cur, revs, _, err := r.revision(context.Background(), ds, []*appsv1.ControllerRevision{unlabelled, older, dup, keep}, byNode)
	if err != nil {
		t.Fatalf("revision() error = %v", err)
	}
	if cur.Name != "agent-keep" || cur.Revision != 3 {
		t.Errorf("revision() = %s #%d; want agent-keep #3", cur.Name, cur.Revision)
	}
	if got := revNames(revs); !reflect.DeepEqual(got, []string{"agent-bare", "agent-old", "agent-keep"}) {
		t.Errorf("revision() remaining = %v; want [agent-bare agent-old agent-keep]", got)
	}
	ctx := context.Background()
	if _, err := client.AppsV1().ControllerRevisions("ns").Get(ctx, "agent-dup", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get agent-dup after dedup: %v; want NotFound", err)
	}
	bare, err := client.AppsV1().ControllerRevisions("ns").Get(ctx, "agent-bare", metav1.GetOptions{})
	if err != nil || bare.Labels[history.PodHashLabel] != "agent-bare" {
		t.Errorf("agent-bare labels %v, %v; want its name as hash", bare.GetLabels(), err)
	}
	for _, tt := range []struct{ pod, want string }{{"p-dup", "hkeep"}, {"p-old", "hold"}, {"p-keep", "hkeep"}} {
		p, err := client.CoreV1().Pods("ns").Get(ctx, tt.pod, metav1.GetOptions{})
		if err != nil || p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != tt.want {
			t.Errorf("pod %s hash %q, %v; want %q", tt.pod, p.GetLabels()[appsv1.DefaultDaemonSetUniqueLabelKey], err, tt.want)
		}
	}
	if got := byNode["n1"][0].Labels[appsv1.DefaultDaemonSetUniqueLabelKey]; got != "hkeep" {
		t.Errorf("byNode[n1] pod hash = %q after dedup; want the relabelled hkeep", got)
	}
}
