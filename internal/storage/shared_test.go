package storage

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// A resource with ShareDecoded hands shared readers one decoded object
// per cached revision; plain reads still get their own copies.
func TestSharedReads(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	rc := configMapConfig()
	rc.ShareDecoded = true
	cms, err := e.store.Resource(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}, Data: map[string]string{"k": "1"}}
	created, err := cms.Create(ctx, "ns", "a", cm)
	if err != nil {
		t.Fatal(err)
	}
	rv := created.(*corev1.ConfigMap).ResourceVersion
	waitCached(t, cms, "ns", "a", rv)
	first, err := cms.GetShared(ctx, "ns", "a")
	if err != nil {
		t.Fatal(err)
	}
	second, _ := cms.GetShared(ctx, "ns", "a")
	if first != second {
		t.Error("two shared reads of one revision decoded two objects")
	}
	if got := first.(*corev1.ConfigMap); got.ResourceVersion != rv || got.Data["k"] != "1" || got.Kind != "ConfigMap" {
		t.Errorf("shared object = %+v; want data k=1 at resourceVersion %s with its kind", got, rv)
	}
	plain, _ := cms.Get(ctx, "ns", "a", "0")
	if plain == first {
		t.Error("a plain cached get returned the shared object")
	}
	list, err := cms.List(ctx, "ns", ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	if objs := list.SharedObjects(); len(objs) != 1 || objs[0] != first {
		t.Errorf("SharedObjects() = %v; want the shared object", objs)
	}

	// A new revision is a new entry, decoded anew.
	updated, err := cms.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*corev1.ConfigMap).DeepCopy()
		c.Data["k"] = "2"
		return c, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitCached(t, cms, "ns", "a", updated.(*corev1.ConfigMap).ResourceVersion)
	after, _ := cms.GetShared(ctx, "ns", "a")
	if after.(*corev1.ConfigMap).Data["k"] != "2" {
		t.Errorf("shared read after the update = %v; want k=2", after)
	}
	if _, err := cms.GetShared(ctx, "ns", "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("GetShared(missing) error = %v; want NotFound", err)
	}

	// Without ShareDecoded, each read decodes its own copy.
	p := mustCreate(t, e.pods, pod("ns", "p", nil))
	waitCached(t, e.pods, "ns", "p", p.ResourceVersion)
	x, _ := e.pods.GetShared(ctx, "ns", "p")
	y, _ := e.pods.GetShared(ctx, "ns", "p")
	if x == y {
		t.Error("a resource without ShareDecoded shared its decoded object")
	}
}

// waitCached waits until the cache holds ns/name at resourceVersion rv.
func waitCached(t *testing.T, r *Resource, ns, name, rv string) {
	t.Helper()
	if _, err := r.Get(context.Background(), ns, name, rv); err != nil {
		t.Fatalf("cached get of %s/%s at %s: %v", ns, name, rv, err)
	}
}
