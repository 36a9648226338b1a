package controller

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// script is a Reconciler that returns scripted results per call and
// reports every call on a channel.
type script struct {
	mu      sync.Mutex
	results []func() (Result, error)
	calls   chan Request
}

func (s *script) Reconcile(_ context.Context, req Request) (Result, error) {
	s.mu.Lock()
	var next func() (Result, error)
	if len(s.results) > 0 {
		next, s.results = s.results[0], s.results[1:]
	}
	s.mu.Unlock()
	defer func() { s.calls <- req }()
	if next == nil {
		return Result{}, nil
	}
	return next()
}

func TestRunQueueActions(t *testing.T) {
	fail := func() (Result, error) { return Result{}, errors.New("boom") }
	terminal := func() (Result, error) { return Result{}, TerminalError(errors.New("bad spec")) }
	after := func() (Result, error) { return Result{RequeueAfter: time.Millisecond}, nil }
	requeue := func() (Result, error) { return Result{Requeue: true}, nil }
	ok := func() (Result, error) { return Result{}, nil }
	panics := func() (Result, error) { panic("oops") }
	tests := []struct {
		name      string
		results   []func() (Result, error)
		wantCalls int
	}{
		{name: "success once", results: []func() (Result, error){ok}, wantCalls: 1},
		{name: "error retried until success", results: []func() (Result, error){fail, fail, ok}, wantCalls: 3},
		{name: "terminal error not retried", results: []func() (Result, error){terminal}, wantCalls: 1},
		{name: "requeue after polls again", results: []func() (Result, error){after, after, ok}, wantCalls: 3},
		{name: "requeue without error", results: []func() (Result, error){requeue, ok}, wantCalls: 2},
		{name: "panic is an error", results: []func() (Result, error){panics, ok}, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{results: tt.results, calls: make(chan Request, 10)}
			c := New(Config{Name: "test", Reconciler: s, Workers: 2,
				RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[Request](time.Microsecond, time.Millisecond)})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- c.Run(ctx) }()
			want := Request{Namespace: "ns", Name: "a"}
			c.Enqueue(want)
			for i := 0; i < tt.wantCalls; i++ {
				select {
				case got := <-s.calls:
					if got != want {
						t.Errorf("call %d: Reconcile(%v); want %v", i, got, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("got %d calls; want %d", i, tt.wantCalls)
				}
			}
			// Nothing else may be pending once the script ran out.
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run() = %v; want nil", err)
			}
			if n := len(s.calls); n != 0 {
				t.Errorf("got %d extra calls; want 0", n)
			}
		})
	}
}

func TestRunWaitsForSync(t *testing.T) {
	c := New(Config{Name: "test", Reconciler: Func(func(context.Context, Request) (Result, error) {
		t.Error("Reconcile called before the caches synced")
		return Result{}, nil
	}), Synced: []cache.InformerSynced{func() bool { return false }}})
	c.Enqueue(Request{Name: "x"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Run(ctx); err == nil {
		t.Errorf("Run() with unsynced caches = nil; want an error")
	}
}

func TestHandlers(t *testing.T) {
	isController := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", OwnerReferences: []metav1.OwnerReference{
		{Kind: "ReplicaSet", Name: "rs", Controller: &isController},
	}}}
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "q"}}
	tests := []struct {
		name    string
		handler func(c *Controller) cache.ResourceEventHandler
		obj     any
		want    []Request
	}{
		{name: "object key", handler: (*Controller).Handler, obj: pod, want: []Request{{Namespace: "ns", Name: "p"}}},
		{name: "tombstone key", handler: (*Controller).Handler, obj: cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: pod},
			want: []Request{{Namespace: "ns", Name: "p"}}},
		{name: "owner key", handler: func(c *Controller) cache.ResourceEventHandler { return c.OwnerHandler("ReplicaSet") },
			obj: pod, want: []Request{{Namespace: "ns", Name: "rs"}}},
		{name: "owner of another kind", handler: func(c *Controller) cache.ResourceEventHandler { return c.OwnerHandler("Job") },
			obj: pod},
		{name: "no owner", handler: func(c *Controller) cache.ResourceEventHandler { return c.OwnerHandler("ReplicaSet") },
			obj: orphan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{Name: "test", Reconciler: Func(nil)})
			defer c.queue.ShutDown()
			tt.handler(c).OnDelete(tt.obj)
			if got := drain(c); len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("OnDelete(%s) enqueued %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestStripManagedFields(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	got, err := StripManagedFields(pod)
	if err != nil {
		t.Fatalf("StripManagedFields: %v", err)
	}
	if mf := got.(*corev1.Pod).ManagedFields; mf != nil {
		t.Errorf("managedFields = %v; want nil", mf)
	}
	tomb := cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: pod}
	if got, err := StripManagedFields(tomb); err != nil || got != any(tomb) {
		t.Errorf("tombstone: got %v, %v; want it unchanged", got, err)
	}
}

// The process informers' transform, through an informer as it is used:
// managed fields go, and two pods of one template share their labels.
func TestCacheTransformInInformer(t *testing.T) {
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		}}
	}
	client := fake.NewClientset(pod("a"), pod("b"))
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(NewCacheTransform()))
	lister := f.Core().V1().Pods().Lister()
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	defer func() { cancel(); f.Shutdown() }()
	f.WaitForCacheSync(ctx.Done())
	a, errA := lister.Pods("ns").Get("a")
	b, errB := lister.Pods("ns").Get("b")
	if errA != nil || errB != nil {
		t.Fatalf("cached pods: %v, %v", errA, errB)
	}
	if a.ManagedFields != nil || b.ManagedFields != nil {
		t.Errorf("managed fields kept: %v, %v", a.ManagedFields, b.ManagedFields)
	}
	if reflect.ValueOf(a.Labels).UnsafePointer() != reflect.ValueOf(b.Labels).UnsafePointer() {
		t.Error("the two pods' equal labels are not one map")
	}
	if a.Labels["app"] != "web" || b.Labels["app"] != "web" {
		t.Errorf("labels = %v, %v", a.Labels, b.Labels)
	}
}

// TestWaitSynced: WaitSynced returns once every cache reports synced, and
// false when its context ends first.
func TestWaitSynced(t *testing.T) {
	var a, b atomic.Bool
	a.Store(true)
	go func() {
		time.Sleep(20 * time.Millisecond)
		b.Store(true)
	}()
	if !WaitSynced(context.Background(), a.Load, b.Load) || !b.Load() {
		t.Fatal("WaitSynced() = false, or returned before both caches synced")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if WaitSynced(ctx, a.Load, func() bool { return false }) {
		t.Error("WaitSynced() = true with a cache that never syncs")
	}
}
