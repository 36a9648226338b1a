package storage

import (
	"context"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestConsistentGetSeesEveryWrite: a get at resourceVersion "" right after
// each write sees that write, whether the cache has caught up (answered
// from the cache) or not (answered from etcd), as JSON and protobuf reads.
func TestConsistentGetSeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	for i := range 100 {
		v := strconv.Itoa(i)
		got, err := e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod).DeepCopy()
			p.Labels = map[string]string{"v": v}
			return p, nil
		})
		if err != nil {
			t.Fatalf("Update(%d) error = %v", i, err)
		}
		want := rvOf(t, got)
		read, err := e.pods.Get(ctx, "ns", "a", "")
		if err != nil {
			t.Fatalf("Get() after update %d error = %v", i, err)
		}
		if rv, l := rvOf(t, read), read.(*corev1.Pod).Labels["v"]; rv != want || l != v {
			t.Fatalf("Get() after update %d = resourceVersion %d, label %q; want %d, %q", i, rv, l, want, v)
		}
		msg, err := e.pods.GetProtobuf(ctx, "ns", "a", "")
		if err != nil {
			t.Fatalf("GetProtobuf() after update %d error = %v", i, err)
		}
		var p corev1.Pod
		if err := p.Unmarshal(messageBytes(t, msg)); err != nil {
			t.Fatalf("GetProtobuf() after update %d: %v", i, err)
		}
		if p.ResourceVersion != strconv.FormatInt(want, 10) || p.Labels["v"] != v {
			t.Fatalf("GetProtobuf() after update %d = resourceVersion %s, label %q; want %d, %q", i, p.ResourceVersion, p.Labels["v"], want, v)
		}
	}
	if _, err := e.pods.Delete(ctx, "ns", "a", nil); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	if _, err := e.pods.Get(ctx, "ns", "a", ""); !apierrors.IsNotFound(err) {
		t.Errorf("Get() after delete error = %v; want NotFound", err)
	}
	if _, err := e.pods.GetProtobuf(ctx, "ns", "a", ""); !apierrors.IsNotFound(err) {
		t.Errorf("GetProtobuf() after delete error = %v; want NotFound", err)
	}
}

// TestFreshEntry: the cache answers a consistent read only once it has
// applied every write up to etcd's current revision, another resource's
// write included; a key it has no entry for is left to etcd.
func TestFreshEntry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	cms, err := e.store.Resource(ctx, configMapConfig())
	if err != nil {
		t.Fatalf("Resource(configmaps) error = %v", err)
	}
	key := mustKey(t, e.pods, "ns", "a")
	waitFresh := func(what string) *entry {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, fresh, err := e.pods.freshEntry(ctx, key)
			if err != nil {
				t.Fatalf("freshEntry() %s error = %v", what, err)
			}
			if fresh {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("freshEntry() %s: cache never caught up", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if got := waitFresh("after the create"); got.key != key {
		t.Fatalf("freshEntry() key = %q; want %q", got.key, key)
	}
	cm := &corev1.ConfigMap{}
	cm.Namespace, cm.Name = "ns", "other"
	if _, err := cms.Create(ctx, "ns", "other", cm); err != nil {
		t.Fatalf("Create(configmap) error = %v", err)
	}
	rev, err := e.store.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision() error = %v", err)
	}
	if got := waitFresh("after another resource's write"); got == nil {
		t.Fatal("freshEntry() = nil entry")
	}
	if cur, _ := e.pods.cache.revision(); cur < int64(rev) {
		t.Errorf("pods cache revision = %d when fresh; want at least %d (the configmap's write)", cur, rev)
	}
	if got, fresh, err := e.pods.freshEntry(ctx, mustKey(t, e.pods, "ns", "missing")); fresh || got != nil || err != nil {
		t.Errorf("freshEntry(missing) = %v, fresh %v, error %v; want not fresh (etcd says why it is missing)", got, fresh, err)
	}
}

// TestConsistentGetWithEtcdGone: once the member is closed, a consistent
// get fails instead of answering from the cache it can no longer check.
func TestConsistentGetWithEtcdGone(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	if _, err := e.pods.Get(ctx, "ns", "a", ""); err != nil {
		t.Fatalf("Get() before close error = %v", err)
	}
	e.etcd.Close()
	if _, err := e.pods.Get(ctx, "ns", "a", ""); !apierrors.IsInternalError(err) {
		t.Errorf("Get() with etcd closed error = %v; want InternalError", err)
	}
	if _, err := e.pods.GetProtobuf(ctx, "ns", "a", ""); !apierrors.IsInternalError(err) {
		t.Errorf("GetProtobuf() with etcd closed error = %v; want InternalError", err)
	}
}

func mustKey(t *testing.T, r *Resource, ns, name string) string {
	t.Helper()
	k, err := r.key(ns, name)
	if err != nil {
		t.Fatalf("key(%s/%s) error = %v", ns, name, err)
	}
	return k
}
