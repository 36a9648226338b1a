package app

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestRunningOnlyStartedInformers: Running answers with the informer a
// component started, refuses kinds nobody started or that the scheme does
// not know, and does not add the informers it was asked about (a later
// Start would run them).
func TestRunningOnlyStartedInformers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	p := processInformers{SharedInformerFactory: f, ctx: ctx}
	defer func() { cancel(); f.Shutdown() }()
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
