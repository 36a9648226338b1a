package integration

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// TestStaleUpdateConflicts: an update carrying an old resourceVersion is
// 409 Conflict and stores nothing.
func TestStaleUpdateConflicts(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	cm, err := cc.Create(ctx, newConfigMap(ns, "cm"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := cm.DeepCopy()
	first.Data["key"] = "first"
	if _, err := cc.Update(ctx, first, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("first update: %v", err)
	}
	stale := cm.DeepCopy()
	stale.Data["key"] = "stale"
	_, err = cc.Update(ctx, stale, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) || statusCode(err) != http.StatusConflict {
		t.Fatalf("stale update: err %v; want 409 Conflict", err)
	}
	got, err := cc.Get(ctx, "cm", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["key"] != "first" {
		t.Errorf("data after a rejected update = %q; want first", got.Data["key"])
	}
	// A precondition on delete is checked the same way.
	err = cc.Delete(ctx, "cm", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &cm.ResourceVersion}})
	if !apierrors.IsConflict(err) {
		t.Errorf("delete with stale resourceVersion precondition: err %v; want Conflict", err)
	}
}

// TestConcurrentUpdates: N writers incrementing one counter with
// RetryOnConflict lose no increment.
func TestConcurrentUpdates(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	cm := newConfigMap(ns, "counter")
	cm.Data = map[string]string{"n": "0"}
	if _, err := cc.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 10
	// Eight writers on one object conflict often; give each enough tries.
	backoff := wait.Backoff{Steps: 1000, Duration: 2 * time.Millisecond, Factor: 1, Jitter: 1}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				err := retry.RetryOnConflict(backoff, func() error {
					cur, err := cc.Get(ctx, "counter", metav1.GetOptions{})
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(cur.Data["n"])
					cur.Data["n"] = strconv.Itoa(n + 1)
					_, err = cc.Update(ctx, cur, metav1.UpdateOptions{})
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	got, err := cc.Get(ctx, "counter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["n"] != strconv.Itoa(writers*each) {
		t.Errorf("counter after %d increments = %s", writers*each, got.Data["n"])
	}
}
