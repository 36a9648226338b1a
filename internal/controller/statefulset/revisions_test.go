package statefulset

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller/history"
)

func setWithImage(image, currentRevision string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set"},
		Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}},
		Status: appsv1.StatefulSetStatus{CurrentRevision: currentRevision}}
}

func revisionOfImage(t *testing.T, image string, n int64) *appsv1.ControllerRevision {
	t.Helper()
	set := setWithImage(image, "")
	data, err := history.TemplatePatch(&set.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	var cc int32
	return history.New(set, kind, set.Spec.Template.Labels, data, n, &cc, history.StatefulSetHashLabel)
}

func TestRevisions(t *testing.T) {
	v1, v2 := revisionOfImage(t, "img:1", 1), revisionOfImage(t, "img:2", 2)
	tests := []struct {
		name                      string
		image, current            string
		wantUpdate                string
		wantUpdateNumber          int64
		wantCurrent, wantTemplate string
	}{
		{name: "template of the newest revision reuses it", image: "img:2", current: v2.Name,
			wantUpdate: v2.Name, wantUpdateNumber: 2, wantCurrent: v2.Name, wantTemplate: "img:2"},
		{name: "a rollback renumbers the older revision as the newest", image: "img:1", current: v2.Name,
			wantUpdate: v1.Name, wantUpdateNumber: 3, wantCurrent: v2.Name, wantTemplate: "img:2"},
		{name: "a new template creates revision 3", image: "img:3", current: v2.Name,
			wantUpdate: revisionOfImage(t, "img:3", 3).Name, wantUpdateNumber: 3, wantCurrent: v2.Name, wantTemplate: "img:2"},
		{name: "unknown current revision falls back to the update one", image: "img:2", current: "gone",
			wantUpdate: v2.Name, wantUpdateNumber: 2, wantCurrent: v2.Name, wantTemplate: "img:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset(v1.DeepCopy(), v2.DeepCopy())
			idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			r := &Reconciler{client: client, history: history.NewStore(client, appslisters.NewControllerRevisionLister(idx), history.StatefulSetHashLabel)}
			got, err := r.revisions(context.Background(), setWithImage(tt.image, tt.current), []*appsv1.ControllerRevision{v1, v2})
			if err != nil {
				t.Fatalf("revisions() error = %v", err)
			}
			if got.update.Name != tt.wantUpdate || got.update.Revision != tt.wantUpdateNumber {
				t.Errorf("revisions() update = %s #%d; want %s #%d", got.update.Name, got.update.Revision, tt.wantUpdate, tt.wantUpdateNumber)
			}
			if got.current.Name != tt.wantCurrent || got.currentTemplate.Spec.Containers[0].Image != tt.wantTemplate {
				t.Errorf("revisions() current = %s (%s); want %s (%s)", got.current.Name, got.currentTemplate.Spec.Containers[0].Image, tt.wantCurrent, tt.wantTemplate)
			}
		})
	}
}
