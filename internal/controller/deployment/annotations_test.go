package deployment

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

const changeCause = "kubernetes.io/change-cause"

// TestSetNewRSAnnotations follows upstream's SetNewReplicaSetAnnotations:
// the Deployment's annotations are copied but for the controller's own and
// kubectl's last-applied configuration, none is removed, the revision only
// rises, and a revision the ReplicaSet had before goes to its history.
func TestSetNewRSAnnotations(t *testing.T) {
	tests := []struct {
		name        string
		d, rs, want map[string]string
		newRevision int64
		changed     bool
	}{
		{"new ReplicaSet",
			map[string]string{changeCause: "v2", corev1.LastAppliedConfigAnnotation: "{}", revisionAnnotation: "1", desiredReplicasAnnotation: "9"},
			nil,
			map[string]string{changeCause: "v2", revisionAnnotation: "2"}, 2, true},
		{"change-cause added later",
			map[string]string{changeCause: "v2", revisionAnnotation: "2"},
			map[string]string{revisionAnnotation: "2", desiredReplicasAnnotation: "3"},
			map[string]string{changeCause: "v2", revisionAnnotation: "2", desiredReplicasAnnotation: "3"}, 2, true},
		{"up to date",
			map[string]string{changeCause: "v2"},
			map[string]string{changeCause: "v2", revisionAnnotation: "2", "kept": "x"},
			map[string]string{changeCause: "v2", revisionAnnotation: "2", "kept": "x"}, 2, false},
		{"rolled back to revision 1",
			nil,
			map[string]string{revisionAnnotation: "1"},
			map[string]string{revisionAnnotation: "3", revisionHistoryAnnotation: "1"}, 3, true},
		{"rolled back again",
			nil,
			map[string]string{revisionAnnotation: "3", revisionHistoryAnnotation: "1"},
			map[string]string{revisionAnnotation: "5", revisionHistoryAnnotation: "1,3"}, 5, true},
		{"a newer revision is kept",
			nil,
			map[string]string{revisionAnnotation: "7"},
			map[string]string{revisionAnnotation: "7"}, 5, false},
		{"a revision that is not a number is left alone",
			map[string]string{"a": "b"},
			map[string]string{revisionAnnotation: "x"},
			map[string]string{revisionAnnotation: "x", "a": "b"}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Annotations: tt.d}}
			rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Annotations: maps.Clone(tt.rs)}}
			if changed := setNewRSAnnotations(d, rs, tt.newRevision); changed != tt.changed {
				t.Errorf("changed = %v; want %v", changed, tt.changed)
			}
			if !maps.Equal(rs.Annotations, tt.want) {
				t.Errorf("annotations = %v; want %v", rs.Annotations, tt.want)
			}
		})
	}
}

// TestRevisionHistoryIsCapped: the history drops its oldest revisions to
// stay within 2,000 characters, as upstream.
func TestRevisionHistoryIsCapped(t *testing.T) {
	history := ""
	for i := 1; i <= 1000; i++ {
		history = appendRevisionHistory(history, strconv.Itoa(i))
		if len(history) > maxRevisionHistoryChars {
			t.Fatalf("after revision %d the history has %d chars; want at most %d", i, len(history), maxRevisionHistoryChars)
		}
	}
	revs := strings.Split(history, ",")
	if revs[len(revs)-1] != "1000" || revs[0] == "1" {
		t.Errorf("history runs %s..%s; want the oldest dropped and 1000 last", revs[0], revs[len(revs)-1])
	}
	for i := 1; i < len(revs); i++ {
		a, _ := strconv.Atoi(revs[i-1])
		b, _ := strconv.Atoi(revs[i])
		if b != a+1 {
			t.Fatalf("history skips from %d to %d; want the newest revisions, in order", a, b)
		}
	}
	if len(history) < maxRevisionHistoryChars-5 {
		t.Errorf("history has %d chars; want it filled up to the cap", len(history))
	}
}

// TestSyncRevisionCopiesChangeCause: a change-cause annotated on a
// Deployment after its rollout reaches its new ReplicaSet, where kubectl
// rollout history reads it.
func TestSyncRevisionCopiesChangeCause(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns",
		Annotations: map[string]string{changeCause: "image v2", revisionAnnotation: "2"}}}
	newRS := replicaSet("web-new", 3, 3, newer)
	newRS.Annotations[revisionAnnotation] = "2"
	oldRS := replicaSet("web-old", 0, 3, older)
	oldRS.Annotations[revisionAnnotation] = "1"
	client := fake.NewClientset([]runtime.Object{d, oldRS, newRS}...)
	r := &Reconciler{client: client, recorder: record.NewFakeRecorder(10)}
	if _, err := r.syncRevision(context.Background(), d, newRS, []*appsv1.ReplicaSet{oldRS}); err != nil {
		t.Fatalf("syncRevision() error = %v", err)
	}
	got, err := client.AppsV1().ReplicaSets("ns").Get(context.Background(), "web-new", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations[changeCause] != "image v2" || got.Annotations[revisionAnnotation] != "2" {
		t.Errorf("new ReplicaSet annotations = %v; want change-cause \"image v2\" at revision 2", got.Annotations)
	}
}
