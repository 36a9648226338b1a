package controller

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// recorder is a handler that notes what it saw, in order.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) add(s string) { r.mu.Lock(); r.seen = append(r.seen, s); r.mu.Unlock() }

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func (r *recorder) handler() cache.ResourceEventHandler {
	name := func(obj any) string { return obj.(*corev1.Pod).Name }
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.add("add " + name(obj)) },
		UpdateFunc: func(_, obj any) { r.add("update " + name(obj)) },
		DeleteFunc: func(obj any) { r.add("delete " + name(obj)) },
	}
}

// fanFactory is a factory with fan-outs, as the server's.
type fanFactory struct {
	informers.SharedInformerFactory
	fan *Fanouts
}

func (f fanFactory) AddHandler(inf cache.SharedInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	return f.fan.Add(inf, h)
}

func waitSeen(t *testing.T, r *recorder, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := r.get()
		if len(got) == len(want) {
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("saw %v, want %v", got, want)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("saw %v, want %v", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
}

// TestFanoutSharesOneRegistration: handlers added before the first event
// share one registration and each sees every event, the informer's first
// list included; a handler added once events have flowed gets a
// registration of its own that starts with the current objects.
func TestFanoutSharesOneRegistration(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := fake.NewClientset(pod("a"))
	f := fanFactory{SharedInformerFactory: informers.NewSharedInformerFactory(cs, 0), fan: NewFanouts()}
	inf := f.Core().V1().Pods().Informer()

	first, second := &recorder{}, &recorder{}
	reg1, err := AddHandler(f, inf, first.handler())
	if err != nil {
		t.Fatal(err)
	}
	// Informer() returns a new wrapper of the same informer each call.
	reg2, err := AddHandler(f, f.Core().V1().Pods().Informer(), second.handler())
	if err != nil {
		t.Fatal(err)
	}
	if reg1 != reg2 {
		t.Errorf("handlers added before any event got two registrations; want one shared")
	}
	f.StartWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), reg1.HasSynced) {
		t.Fatal("shared registration never synced")
	}
	if _, err := cs.CoreV1().Pods("ns").Create(ctx, pod("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*recorder{first, second} {
		waitSeen(t, r, []string{"add a", "add b"})
	}

	late := &recorder{}
	reg3, err := AddHandler(f, inf, late.handler())
	if err != nil {
		t.Fatal(err)
	}
	if reg3 == reg1 {
		t.Fatal("a handler added after events flowed joined the fan-out; it would miss the objects already delivered")
	}
	if !cache.WaitForCacheSync(ctx.Done(), reg3.HasSynced) {
		t.Fatal("late registration never synced")
	}
	seen := late.get()
	if len(seen) != 2 {
		t.Fatalf("late handler saw %v; want adds of a and b", seen)
	}
	if err := cs.CoreV1().Pods("ns").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*recorder{first, second} {
		waitSeen(t, r, []string{"add a", "add b", "delete a"})
	}
	waitSeen(t, late, append(seen, "delete a"))
}

// TestAddHandlerWithoutFanout: a factory without fan-outs gives every
// handler its own registration.
func TestAddHandlerWithoutFanout(t *testing.T) {
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	inf := f.Core().V1().Pods().Informer()
	reg1, err := AddHandler(f, inf, (&recorder{}).handler())
	if err != nil {
		t.Fatal(err)
	}
	reg2, err := AddHandler(f, inf, (&recorder{}).handler())
	if err != nil {
		t.Fatal(err)
	}
	if reg1 == reg2 {
		t.Error("two handlers share a registration on a factory without fan-outs")
	}
}

// TestFanoutOnStoppedInformer: an informer that has stopped refuses the
// fan-out's registration; AddHandler says so, every time, and keeps no
// fan-out that would hand out a registration that receives nothing.
func TestFanoutOnStoppedInformer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := fanFactory{SharedInformerFactory: informers.NewSharedInformerFactory(fake.NewClientset(), 0), fan: NewFanouts()}
	inf := f.Core().V1().Pods().Informer()
	f.StartWithContext(ctx)
	cancel()
	f.Shutdown()
	if !inf.IsStopped() {
		t.Fatal("informer still running after its context ended and the factory shut down")
	}
	for i := range 2 {
		if reg, err := AddHandler(f, inf, (&recorder{}).handler()); err == nil {
			t.Errorf("AddHandler #%d on a stopped informer = %v, nil; want an error", i+1, reg)
		}
	}
}
