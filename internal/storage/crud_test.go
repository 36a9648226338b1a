package storage

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestCRUD(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		r := e.pods
		created := mustCreate(t, r, pod("ns1", "a", nil))
		createdRV := rvOf(t, created)
		if created.Kind != "Pod" || created.APIVersion != "v1" {
			t.Errorf("Create() TypeMeta = %v; want v1 Pod", created.TypeMeta)
		}

		tests := []struct {
			name    string
			do      func() (runtime.Object, error)
			wantErr func(error) bool
		}{
			{name: "create existing is AlreadyExists", do: func() (runtime.Object, error) {
				return r.Create(ctx, "ns1", "a", pod("ns1", "a", nil))
			}, wantErr: apierrors.IsAlreadyExists},
			{name: "consistent get", do: func() (runtime.Object, error) { return r.Get(ctx, "ns1", "a", "") }},
			{name: "get at rv", do: func() (runtime.Object, error) {
				return r.Get(ctx, "ns1", "a", strconv.FormatInt(createdRV, 10))
			}},
			{name: "cached get", do: func() (runtime.Object, error) { return r.Get(ctx, "ns1", "a", "0") }},
			{name: "get missing is NotFound", do: func() (runtime.Object, error) { return r.Get(ctx, "ns1", "b", "") }, wantErr: apierrors.IsNotFound},
			{name: "get other namespace is NotFound", do: func() (runtime.Object, error) { return r.Get(ctx, "ns2", "a", "0") }, wantErr: apierrors.IsNotFound},
			{name: "empty namespace is BadRequest", do: func() (runtime.Object, error) { return r.Get(ctx, "", "a", "") }, wantErr: apierrors.IsBadRequest},
			{name: "name with slash is BadRequest", do: func() (runtime.Object, error) {
				return r.Create(ctx, "ns1", "a/b", pod("ns1", "a/b", nil))
			}, wantErr: apierrors.IsBadRequest},
			{name: "bad rv is BadRequest", do: func() (runtime.Object, error) { return r.Get(ctx, "ns1", "a", "x") }, wantErr: apierrors.IsBadRequest},
			{name: "delete missing is NotFound", do: func() (runtime.Object, error) { return r.Delete(ctx, "ns1", "b", nil) }, wantErr: apierrors.IsNotFound},
			{name: "update error from fn aborts", do: func() (runtime.Object, error) {
				return r.Update(ctx, "ns1", "a", func(runtime.Object) (runtime.Object, error) {
					return nil, apierrors.NewConflict(r.rc.GroupResource, "a", fmt.Errorf("stale"))
				})
			}, wantErr: apierrors.IsConflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := tt.do()
				if tt.wantErr != nil {
					if !tt.wantErr(err) {
						t.Fatalf("error = %v; want a matching error class", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("error = %v; want nil", err)
				}
				if rv := rvOf(t, got); rv != createdRV {
					t.Errorf("resourceVersion = %d; want %d", rv, createdRV)
				}
			})
		}

		updated, err := r.Update(ctx, "ns1", "a", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels = map[string]string{"x": "y"}
			return p, nil
		})
		if err != nil {
			t.Fatalf("Update() error = %v", err)
		}
		if rv := rvOf(t, updated); rv <= createdRV {
			t.Errorf("Update() resourceVersion = %d; want > %d", rv, createdRV)
		}
		deleted, err := r.Delete(ctx, "ns1", "a", nil)
		if err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		if got, want := rvOf(t, deleted), rvOf(t, updated); got <= want {
			t.Errorf("Delete() resourceVersion = %d; want the deletion revision > %d", got, want)
		}
		if _, err := r.Get(ctx, "ns1", "a", ""); !apierrors.IsNotFound(err) {
			t.Errorf("Get() after delete error = %v; want NotFound", err)
		}
	})
}

func TestUpdateNoopSkipsWrite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	created := mustCreate(t, e.pods, pod("ns", "a", nil))
	got, err := e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) { return cur, nil })
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	if rvOf(t, got) != rvOf(t, created) {
		t.Errorf("no-op Update() resourceVersion = %d; want unchanged %d", rvOf(t, got), rvOf(t, created))
	}
	rev, err := e.store.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision() error = %v", err)
	}
	if int64(rev) != rvOf(t, created) {
		t.Errorf("CurrentRevision() = %d; want %d (no write)", rev, rvOf(t, created))
	}
}

func TestUpdateCreatesMissing(t *testing.T) {
	e := newEnv(t, "", Config{})
	got, err := e.pods.Update(context.Background(), "ns", "new", func(cur runtime.Object) (runtime.Object, error) {
		if cur != nil {
			return nil, fmt.Errorf("current = %v; want nil", cur)
		}
		return pod("ns", "new", nil), nil
	})
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	if rvOf(t, got) == 0 {
		t.Errorf("Update() resourceVersion = 0; want the creating revision")
	}
}

func TestUpdateConcurrentCAS(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "counter", map[string]string{"n": "0"}))
	const workers, perWorker = 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var calls atomic.Int64
			for range perWorker {
				if _, err := e.pods.Update(ctx, "ns", "counter", bump(&calls)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Update() error = %v", err)
	}
	got, err := e.pods.Get(ctx, "ns", "counter", "")
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if n := got.(*corev1.Pod).Labels["n"]; n != strconv.Itoa(workers*perWorker) {
		t.Errorf("counter = %s; want %d", n, workers*perWorker)
	}
}

func TestDeletePrecondition(t *testing.T) {
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	_, err := e.pods.Delete(context.Background(), "ns", "a", func(runtime.Object) error {
		return apierrors.NewConflict(e.pods.rc.GroupResource, "a", fmt.Errorf("uid mismatch"))
	})
	if !apierrors.IsConflict(err) {
		t.Fatalf("Delete() error = %v; want Conflict from the precondition", err)
	}
	if _, err := e.pods.Get(context.Background(), "ns", "a", ""); err != nil {
		t.Errorf("Get() after refused delete error = %v; want nil", err)
	}
}

func TestUndecodableValue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "good", nil))
	if _, err := e.etcd.Client().Put(ctx, "/registry/pods/ns/bad", "garbage"); err != nil {
		t.Fatalf("Put() error = %v", err)
	}
	if _, err := e.pods.Get(ctx, "ns", "bad", ""); !apierrors.IsInternalError(err) {
		t.Errorf("Get(bad) error = %v; want InternalError", err)
	}
	list, err := e.pods.List(ctx, "ns", ListOptions{})
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if got := names(list.Objects()); len(got) != 1 || got[0] != "ns/good" {
		t.Errorf("List() = %v; want [ns/good]", got)
	}
}

func TestRestartKeepsObjects(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	e.close()

	e2 := newEnv(t, e.dir, Config{})
	if _, err := e2.pods.Get(ctx, "ns", "a", ""); err != nil {
		t.Errorf("Get() after restart error = %v; want nil", err)
	}
	list, err := e2.pods.List(ctx, "", ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if got := names(list.Objects()); len(got) != 1 || got[0] != "ns/a" {
		t.Errorf("List() after restart = %v; want [ns/a]", got)
	}
}

// TestCacheStats: the watch cache counts the events it takes in and hands
// to its watchers and reports the revision it reached; an uncached
// resource has no such figures.
func TestCacheStats(t *testing.T) {
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		before, cached := e.pods.CacheStats()
		if cached == e.pods.rc.Uncached {
			t.Fatalf("CacheStats() ok = %v for an uncached resource %v", cached, e.pods.rc.Uncached)
		}
		if !cached {
			return
		}
		created := mustCreate(t, e.pods, pod("ns", "a", nil))
		if _, err := e.pods.Delete(ctx, "ns", "a", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pods.waitForRev(ctx, rvOf(t, created)+1); err != nil {
			t.Fatal(err)
		}
		after, _ := e.pods.CacheStats()
		if after.Received-before.Received != 2 || after.Dispatched-before.Dispatched != 2 || after.Revision < rvOf(t, created)+1 {
			t.Errorf("CacheStats after a create and a delete: %+v (before %+v); want 2 more received and dispatched, revision >= %d",
				after, before, rvOf(t, created)+1)
		}
	})
}
