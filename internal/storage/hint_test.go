package storage

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestWriteHints: the cache entries of this store's creates and updates
// carry the attributes a decode would give, every hint is used up once
// the value is in the cache, and a failed create leaves none.
func TestWriteHints(t *testing.T) {
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	p := mustCreate(t, e.pods, pod("ns", "a", map[string]string{"app": "a"}))
	if _, err := e.pods.Create(ctx, "ns", "a", pod("ns", "a", nil)); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v; want AlreadyExists", err)
	}
	if _, err := e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
		next := cur.(*corev1.Pod)
		next.Labels["tier"] = "web"
		next.Spec.NodeName = "n1"
		return next, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pods.Get(ctx, "ns", "a", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pods.waitFresh(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := e.pods.key("ns", "a")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.pods.cache.get(key)
	if got == nil {
		t.Fatalf("no cache entry for %s", key)
	}
	stored, _, _, err := e.pods.readStored(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.pods.newEntry(ctx, key, stored, got.rev) // no hint left: decoded
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.labels, fresh.labels) || !got.fields.equal(&fresh.fields) || got.ns != fresh.ns {
		t.Errorf("entry from the write's hint: ns %q labels %v fields %v; decoded: ns %q labels %v fields %v",
			got.ns, got.labels, got.fields.vals, fresh.ns, fresh.labels, fresh.fields.vals)
	}
	if v, _ := got.fields.Lookup("spec.nodeName"); v != "n1" || !got.labels.Has("tier") {
		t.Errorf("entry attributes %v %v; want the update's node and label", got.labels, got.fields.vals)
	}
	e.pods.hints.mu.Lock()
	left := len(e.pods.hints.m)
	e.pods.hints.mu.Unlock()
	if left != 0 {
		t.Errorf("%d hints left after the cache saw every write (pod %s)", left, p.Name)
	}
}

// TestWriteHintOnlyForItsValue: a hint is not used for a value other than
// the one it was made for (another server's write, or a later one).
func TestWriteHintOnlyForItsValue(t *testing.T) {
	e := newEnv(t, "", Config{})
	ctx := context.Background()
	key, err := e.pods.key("ns", "b")
	if err != nil {
		t.Fatal(err)
	}
	other := pod("ns", "b", map[string]string{"app": "other"})
	plain, err := e.pods.encode(other)
	if err != nil {
		t.Fatal(err)
	}
	e.pods.hint(key, plain, other)
	stored := pod("ns", "b", map[string]string{"app": "stored"})
	stored.ObjectMeta.CreationTimestamp = metav1.Now()
	data, err := e.pods.encode(stored)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := e.pods.newEntry(ctx, key, data, 7)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := ent.labels.Lookup("app"); v != "stored" {
		t.Errorf("entry label app=%q; want the stored value's, not the hint's", v)
	}
	if _, ok := e.pods.takeHint(key, plain); !ok {
		t.Error("the unused hint was dropped; want it kept for its own value")
	}
}
