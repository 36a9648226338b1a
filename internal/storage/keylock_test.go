package storage

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestKeyLocks(t *testing.T) {
	var k keyLocks
	ctx := context.Background()
	unlockA, err := k.lock(ctx, "a")
	if err != nil {
		t.Fatalf("lock(a) error = %v", err)
	}
	// Another key is not held up.
	unlockB, err := k.lock(ctx, "b")
	if err != nil {
		t.Fatalf("lock(b) error = %v", err)
	}
	unlockB()

	// A second locker of a waits, and gives up when its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := k.lock(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lock(a) while held: error = %v; want the deadline", err)
	}

	got, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		unlock, err := k.lock(ctx, "a")
		if err != nil {
			t.Errorf("lock(a) error = %v", err)
			return
		}
		close(got)
		unlock()
	}()
	select {
	case <-got:
		t.Fatal("lock(a) was granted while held")
	case <-time.After(20 * time.Millisecond):
	}
	unlockA()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("lock(a) not granted after unlock")
	}
	<-done
	if len(k.locks) != 0 {
		t.Errorf("%d locks left after every unlock; want none", len(k.locks))
	}
}

// bump is an UpdateFunc that increments the pod's label n and counts its
// calls.
func bump(calls *atomic.Int64) UpdateFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		calls.Add(1)
		p := cur.(*corev1.Pod)
		n, err := strconv.Atoi(p.Labels["n"])
		if err != nil {
			return nil, err
		}
		p.Labels["n"] = strconv.Itoa(n + 1)
		return p, nil
	}
}

// TestUpdatesOfOneKeyQueue: concurrent updates of one object from one
// process each compute their object once, where before they lost the
// compare-and-swap to each other and computed it again.
func TestUpdatesOfOneKeyQueue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "hot", map[string]string{"n": "0"}))
	const workers, perWorker = 8, 10
	var calls atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				if _, err := e.pods.Update(ctx, "ns", "hot", bump(&calls)); err != nil {
					t.Errorf("Update() error = %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := e.pods.Get(ctx, "ns", "hot", "")
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if n := got.(*corev1.Pod).Labels["n"]; n != strconv.Itoa(workers*perWorker) {
		t.Errorf("counter = %s; want %d", n, workers*perWorker)
	}
	if c := calls.Load(); c != workers*perWorker {
		t.Errorf("update function called %d times for %d updates; want once each", c, workers*perWorker)
	}
}

// TestUpdateRetriesAfterAnotherServersWrite: the queue is per process; a
// write by another server over the same etcd still makes the
// compare-and-swap fail, and the update retries on what that server wrote.
func TestUpdateRetriesAfterAnotherServersWrite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "shared", map[string]string{"n": "0"}))
	other, err := New(Config{Client: e.etcd.Client(), Local: e.etcd, Scheme: e.store.cfg.Scheme, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	defer other.Close()
	otherPods, err := other.Resource(ctx, podConfig())
	if err != nil {
		t.Fatalf("Resource() error = %v", err)
	}

	var calls, otherCalls atomic.Int64
	first := bump(&calls)
	_, err = e.pods.Update(ctx, "ns", "shared", func(cur runtime.Object) (runtime.Object, error) {
		if calls.Load() == 0 {
			// The other server writes between this read and this write.
			if _, err := otherPods.Update(ctx, "ns", "shared", bump(&otherCalls)); err != nil {
				return nil, err
			}
		}
		return first(cur)
	})
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	got, err := e.pods.Get(ctx, "ns", "shared", "")
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if n := got.(*corev1.Pod).Labels["n"]; n != "2" {
		t.Errorf("counter = %s; want 2 (both writes kept)", n)
	}
	if c := calls.Load(); c != 2 {
		t.Errorf("update function called %d times; want 2 (the lost compare-and-swap retried)", c)
	}
}
