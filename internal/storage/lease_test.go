package storage

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clocktesting "k8s.io/utils/clock/testing"
)

// leaseOf returns the etcd lease of ns/name's key (0: none).
func leaseOf(t *testing.T, e *env, ns, name string) int64 {
	t.Helper()
	key, err := e.pods.key(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.store.client.Get(context.Background(), key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("etcd get %s: %v, %d keys", key, err, len(resp.Kvs))
	}
	return resp.Kvs[0].Lease
}

// TestTTLLeases: creates and updates of a resource with a TTL attach a
// lease, shared within its reuse window and replaced after it; a resource
// without a TTL attaches none.
func TestTTLLeases(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakeClock(time.Now())
	rc := podConfig()
	rc.TTL = time.Hour
	e := newEnvWith(t, "", Config{Clock: clk}, rc)
	mustCreate(t, e.pods, pod("ns", "a", nil))
	mustCreate(t, e.pods, pod("ns", "b", nil))
	first := leaseOf(t, e, "ns", "a")
	if first == 0 || leaseOf(t, e, "ns", "b") != first {
		t.Fatalf("leases of a and b = %d, %d; want one shared lease", first, leaseOf(t, e, "ns", "b"))
	}
	ttl, err := e.store.client.TimeToLive(ctx, clientv3.LeaseID(first))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64((time.Hour + 60*time.Second) / time.Second); ttl.GrantedTTL != want {
		t.Errorf("granted TTL = %ds; want %ds (the TTL and the reuse window)", ttl.GrantedTTL, want)
	}
	// Past the reuse window less than the TTL remains: a new lease.
	clk.Step(61 * time.Second)
	setLabels(t, e.pods, "ns", "a", map[string]string{"v": "2"})
	second := leaseOf(t, e, "ns", "a")
	if second == 0 || second == first {
		t.Errorf("lease after an update past the reuse window = %d; want a new one (first %d)", second, first)
	}

	plain := newEnv(t, "", Config{})
	mustCreate(t, plain.pods, pod("ns", "a", nil))
	if l := leaseOf(t, plain, "ns", "a"); l != 0 {
		t.Errorf("lease without a TTL = %d; want none", l)
	}
}

// TestTTLExpiry: etcd deletes an object its TTL after the last write; a
// watch sees it DELETED and a read finds nothing.
func TestTTLExpiry(t *testing.T) {
	ctx := context.Background()
	for _, uncached := range []bool{false, true} {
		rc := podConfig()
		rc.TTL = time.Second
		rc.Uncached = uncached
		e := newEnvWith(t, "", Config{}, rc)
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, e.pods, pod("ns", "a", nil))
		if ev := nextEvent(t, w); ev.Type != watch.Added {
			t.Fatalf("uncached=%v: event = %s; want ADDED", uncached, eventSummary(ev))
		}
		if ev := nextEvent(t, w); eventSummary(ev) != "DELETED ns/a" {
			t.Fatalf("uncached=%v: event = %s; want DELETED ns/a when the lease runs out", uncached, eventSummary(ev))
		}
		w.Stop()
		if _, err := e.pods.Get(ctx, "ns", "a", ""); !apierrors.IsNotFound(err) {
			t.Errorf("uncached=%v: Get() after the TTL error = %v; want NotFound", uncached, err)
		}
	}
}

// TestTTLUpdateCreatesWithLease: an update that creates (events are
// created on update, as upstream) attaches the lease too.
func TestTTLUpdateCreatesWithLease(t *testing.T) {
	rc := podConfig()
	rc.TTL = time.Hour
	e := newEnvWith(t, "", Config{}, rc)
	_, err := e.pods.Update(context.Background(), "ns", "new", func(cur runtime.Object) (runtime.Object, error) {
		return pod("ns", "new", nil), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if leaseOf(t, e, "ns", "new") == 0 {
		t.Errorf("object created by Update has no lease")
	}
}

// TestTTLLeaseRevoked: when etcd no longer knows the shared lease (an
// operator revoked it), the next write takes a new one instead of failing.
func TestTTLLeaseRevoked(t *testing.T) {
	ctx := context.Background()
	rc := podConfig()
	rc.TTL = time.Hour
	e := newEnvWith(t, "", Config{}, rc)
	mustCreate(t, e.pods, pod("ns", "a", nil))
	first := leaseOf(t, e, "ns", "a")
	if _, err := e.store.client.Revoke(ctx, clientv3.LeaseID(first)); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e.pods, pod("ns", "b", nil))
	if l := leaseOf(t, e, "ns", "b"); l == 0 || l == first {
		t.Errorf("lease after the shared one was revoked = %d; want a new one (revoked %d)", l, first)
	}
	if _, err := e.pods.Update(ctx, "ns", "b", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Labels = map[string]string{"v": "2"}
		return p, nil
	}); err != nil {
		t.Errorf("Update() after the revoke: %v", err)
	}
}
