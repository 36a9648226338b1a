package integration

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// TestInformerSurvivesRestart: a SharedInformerFactory keeps working when
// the server stops and a new one starts on the same data dir and port:
// objects written before and after the restart reach its cache. A watch
// from a revision before the restart is 410 Expired.
func TestInformerSurvivesRestart(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := startServer(context.Background(), dir, port)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = ts.srv.Stop()
		}
	}()
	// The informer's client outlives the first server.
	cs, err := kubernetes.NewForConfig(ts.cfg)
	if err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
	inf := factory.Core().V1().ConfigMaps().Informer()
	fstop := make(chan struct{})
	defer func() { close(fstop); factory.Shutdown() }()
	factory.Start(fstop)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	before, err := ts.cs.CoreV1().ConfigMaps("default").Create(ctx, newConfigMap("default", "before"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitInCache(t, inf.GetStore(), "default/before")
	// One more write, so that "before" is older than the revision the
	// restarted server's watch cache starts at.
	if _, err := ts.cs.CoreV1().ConfigMaps("default").Create(ctx, newConfigMap("default", "marker"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := ts.srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	stopped = true
	ts2, err := startServer(context.Background(), dir, port)
	if err != nil {
		t.Fatalf("restart server: %v", err)
	}
	defer func() { _ = ts2.srv.Stop() }()
	if _, err := ts2.cs.CoreV1().ConfigMaps("default").Get(ctx, "before", metav1.GetOptions{}); err != nil {
		t.Errorf("object written before the restart: %v", err)
	}
	// The new server's watch cache starts after the old revisions.
	checkWatchExpired(t, ts2.cs, "default", before.ResourceVersion)
	if _, err := ts2.cs.CoreV1().ConfigMaps("default").Create(ctx, newConfigMap("default", "after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitInCache(t, inf.GetStore(), "default/after")
	if err := ts2.cs.CoreV1().ConfigMaps("default").Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, inf.GetStore(), "default/before")
}

func waitInCache(t *testing.T, store cache.Store, key string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		if obj, ok, _ := store.GetByKey(key); ok {
			if _, isCM := obj.(*corev1.ConfigMap); isCM {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not in the informer cache within 45s (cache holds %v)", key, store.ListKeys())
}

func waitGone(t *testing.T, store cache.Store, key string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok, _ := store.GetByKey(key); !ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s still in the informer cache 45s after its deletion", key)
}
