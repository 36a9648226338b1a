package garbagecollector

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/tools/cache"
)

// TestWatcherSharesTypedInformers: a resource the process already has an
// informer for (pods) is watched through that informer, the one the other
// controllers read, and its objects reach the graph; another (a custom
// one) gets a metadata informer of the collector's own. Shutdown leaves
// the shared informer running, without the collector's handler.
func TestWatcherSharesTypedInformers(t *testing.T) {
	owner := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "pod-uid", OwnerReferences: []metav1.OwnerReference{owner}}}
	cs := fake.NewClientset(pod)
	cs.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: []string{"list", "watch", "delete"}}}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{{Name: "widgets", Kind: "Widget", Namespaced: true, Verbs: []string{"list", "watch", "delete"}}}},
	}
	scheme := runtime.NewScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	md := metadatafake.NewSimpleMetadataClient(scheme)
	typed := informers.NewSharedInformerFactory(cs, 0)
	podInformer := typed.Core().V1().Pods().Informer() // another controller's
	stop := make(chan struct{})
	defer typed.Shutdown()
	defer close(stop)
	typed.Start(stop) // the process runs it, not the collector

	disc := preferredDiscovery{cs.Discovery().(*fakediscovery.FakeDiscovery)}
	// The process's informers, as app's processInformers.Running gives
	// them: pods only, which another controller started.
	running := func(gvk schema.GroupVersionKind) (cache.SharedIndexInformer, bool) {
		if gvk.Kind != "Pod" {
			return nil, false
		}
		return typed.Core().V1().Pods().Informer(), true
	}
	gc := New(Config{Metadata: md, Shared: running, Discovery: disc, Logger: slog.Default()})
	w := gc.w
	if err := w.sync(context.Background()); err != nil {
		t.Fatal(err)
	}

	pods := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	widgets := schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	// Informers are compared by their stores: the typed accessors wrap
	// the one shared informer anew on each call.
	if got := w.informers[pods]; got == nil || got.GetIndexer() != podInformer.GetIndexer() {
		t.Errorf("pods are watched through %v, not the typed factory's informer", got)
	}
	if got, want := w.informers[widgets], w.factory.ForResource(widgets).Informer(); got == nil || got.GetIndexer() != want.GetIndexer() {
		t.Errorf("widgets are watched through %v, not a metadata informer", got)
	}

	inGraph := func(uid types.UID) bool { _, ok := gc.graph.get(uid); return ok }
	waitFor(t, "the pod from the shared typed informer in the graph", func() bool { return inGraph("pod-uid") })
	waitFor(t, "the collector's handlers synced", w.hasSynced)
	if n, _ := gc.graph.get("pod-uid"); len(n.owners) != 1 || n.owners[0].UID != "rs-uid" || n.gvr != pods {
		t.Fatalf("graph node %+v, want a pod owned by rs-uid", n)
	}

	w.shutdown()
	if len(w.shared) != 1 {
		t.Fatalf("%d shared registrations, want the pods informer's only", len(w.shared))
	}
	for inf := range w.shared {
		if inf.GetIndexer() != podInformer.GetIndexer() {
			t.Fatal("the shared registration is not on the pods informer")
		}
	}
	// The informer goes on for the other controllers; the collector no
	// longer hears it.
	seen := make(chan struct{}, 1)
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		if obj.(*corev1.Pod).Name == "later" {
			seen <- struct{}{}
		}
	}}); err != nil {
		t.Fatal(err)
	}
	later := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: "ns", UID: "later-uid", OwnerReferences: []metav1.OwnerReference{owner}}}
	if _, err := cs.CoreV1().Pods("ns").Create(context.Background(), later, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-seen:
	case <-time.After(10 * time.Second):
		t.Fatal("the shared pods informer stopped with the collector")
	}
	time.Sleep(100 * time.Millisecond)
	if inGraph("later-uid") {
		t.Error("the collector still hears the shared informer after shutdown")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// preferredDiscovery answers ServerPreferredResources with the fake's
// resources (the fake itself answers nothing).
type preferredDiscovery struct{ *fakediscovery.FakeDiscovery }

func (d preferredDiscovery) ServerPreferredResources() ([]*metav1.APIResourceList, error) {
	return d.Resources, nil
}
