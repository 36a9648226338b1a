package app

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// TestRunningOnlyStartedInformers: Running answers with the informer a
// component started, refuses kinds nobody started or that the scheme does
// not know, and does not add the informers it was asked about (a later
// Start would run them).
func TestRunningOnlyStartedInformers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	p := processInformers{SharedInformerFactory: f, ctx: ctx, meta: newFakeMetadataInformers()}
	defer func() { cancel(); f.Shutdown(); p.meta.factory.Shutdown() }()
	pods := p.Core().V1().Pods().Informer()
	p.Start(nil)

	inf, ok := p.Running(corev1.SchemeGroupVersion.WithKind("Pod"))
	if !ok || inf.GetIndexer() != pods.GetIndexer() {
		t.Fatalf("Running(pods) = %v, %v; want the started pods informer", inf, ok)
	}
	if _, ok := p.Running(appsv1.SchemeGroupVersion.WithKind("ReplicaSet")); ok {
		t.Error("Running(replicasets) answered, but no component started that informer")
	}
	if _, ok := p.Running(corev1.SchemeGroupVersion.WithKind("Widget")); ok {
		t.Error("Running answered for a kind the scheme does not know")
	}
	// Had Running added a ReplicaSet informer, this Start would run it.
	p.Start(nil)
	started := p.WaitForCacheSync(ctx.Done())
	if len(started) != 1 {
		t.Errorf("%d informers started, want the pods informer only: %v", len(started), started)
	}
}

func newFakeMetadataInformers(objs ...runtime.Object) *metadataInformers {
	sch := runtime.NewScheme()
	_ = metav1.AddMetaToScheme(sch)
	md := metadatafake.NewSimpleMetadataClient(sch, objs...)
	return &metadataInformers{factory: metadatainformer.NewSharedInformerFactory(md, 0), kinds: map[schema.GroupVersionKind]schema.GroupVersionResource{}}
}

// TestRunningMetadataInformers: a metadata-only informer a component asked
// for (Metadata) is what Running answers for its kind once started, so
// that the garbage collector watches ConfigMaps through the quota
// controller's informer rather than a second one, and the process holds
// no typed informer (every ConfigMap's data) for them.
func TestRunningMetadataInformers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	cm := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "settings"}}
	p := processInformers{SharedInformerFactory: f, ctx: ctx, meta: newFakeMetadataInformers(cm)}
	defer func() { cancel(); f.Shutdown(); p.meta.factory.Shutdown() }()
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMap")
	inf := p.Metadata(corev1.SchemeGroupVersion.WithResource("configmaps"), gvk)
	if _, ok := p.Running(gvk); ok {
		t.Fatal("Running(ConfigMap) answered before Start")
	}
	p.Start(nil)
	got, ok := p.Running(gvk)
	if !ok || got.GetIndexer() != inf.GetIndexer() {
		t.Fatalf("Running(ConfigMap) = %v, %v; want the metadata informer", got, ok)
	}
	if !cache.WaitForCacheSync(ctx.Done(), got.HasSynced) {
		t.Fatal("metadata informer never synced")
	}
	items := got.GetStore().List()
	if len(items) != 1 {
		t.Fatalf("the informer holds %d objects; want the one ConfigMap", len(items))
	}
	if _, ok := items[0].(*metav1.PartialObjectMetadata); !ok {
		t.Errorf("the informer holds a %T; want metadata only", items[0])
	}
	if started := f.WaitForCacheSync(ctx.Done()); len(started) != 0 {
		t.Errorf("typed informers started: %v; want none", started)
	}
}
