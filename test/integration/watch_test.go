package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// TestWatchResume: a watch from a resourceVersion sends exactly the
// changes after it.
func TestWatchResume(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	a, err := cc.Create(ctx, newConfigMap(ns, "a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Create(ctx, newConfigMap(ns, "b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := cc.Watch(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion})
	if err != nil {
		t.Fatalf("watch from %s: %v", a.ResourceVersion, err)
	}
	defer w.Stop()
	if _, err := cc.Create(ctx, newConfigMap(ns, "c"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cc.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ADDED b", "ADDED c", "DELETED a"}
	got := nextEvents(t, w, len(want))
	if len(got) != len(want) {
		t.Fatalf("events after rv %s = %v; want %v", a.ResourceVersion, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d after rv %s = %q; want %q (all: %v)", i, a.ResourceVersion, got[i], want[i], got)
		}
	}
}

// nextEvents reads n non-bookmark events as "TYPE name".
func nextEvents(t *testing.T, w watch.Interface, n int) []string {
	t.Helper()
	var out []string
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Errorf("watch closed after %v", out)
				return out
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			if ev.Type == watch.Error {
				t.Errorf("watch error: %v", apierrors.FromObject(ev.Object))
				return out
			}
			cm, ok := ev.Object.(*corev1.ConfigMap)
			if !ok {
				t.Errorf("event object %T; want *v1.ConfigMap", ev.Object)
				return out
			}
			out = append(out, string(ev.Type)+" "+cm.Name)
		case <-timeout:
			t.Errorf("only %d of %d events within 10s: %v", len(out), n, out)
			return out
		}
	}
	return out
}

// checkWatchExpired: a watch from a resourceVersion the server no longer
// keeps answers 410 Expired, either as the response or as its one ERROR
// event (upstream's watch cache does the latter).
func checkWatchExpired(t *testing.T, cs kubernetes.Interface, ns, rv string) {
	t.Helper()
	w, err := cs.CoreV1().ConfigMaps(ns).Watch(ctxFor(t), metav1.ListOptions{ResourceVersion: rv})
	if err == nil {
		defer w.Stop()
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Error {
				t.Fatalf("first event of a watch from too old rv %s: %s; want ERROR", rv, ev.Type)
			}
			err = apierrors.FromObject(ev.Object)
		case <-time.After(10 * time.Second):
			t.Fatalf("no event within 10s of a watch from too old rv %s", rv)
		}
	}
	if code := statusCode(err); code != http.StatusGone || !apierrors.IsResourceExpired(err) {
		t.Errorf("watch from too old rv %s: %v (code %d); want 410 Expired", rv, err, code)
	}
}

func statusCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Code
	}
	return 0
}

// TestWatchFieldSelectorTransitions: an object that starts matching a
// selector arrives as ADDED and one that stops matching as DELETED.
func TestWatchFieldSelectorTransitions(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := pc.Watch(wctx, metav1.ListOptions{FieldSelector: "spec.nodeName=node-w"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := pc.Create(ctx, newPod(ns, "p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-w"}}
	if err := pc.Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := watchTypes(t, w, watch.Added)
	if len(got) != 1 {
		t.Errorf("events for a pod bound to node-w = %v; want [ADDED]", got)
	}
}
