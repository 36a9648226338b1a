package integration

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestEventsFromEtcd: events have no watch cache (as upstream), so their
// lists and watches are etcd's. Through both API versions, JSON and
// protobuf clients: a field selector picks one object's events, a watch
// from the list's resourceVersion sends exactly the later changes that
// match, and a resourceVersion etcd has not reached is refused.
func TestEventsFromEtcd(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pcfg := rest.CopyConfig(shared.cfg)
	pcfg.ContentType = runtime.ContentTypeProtobuf
	pcs, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	event := func(name, object string) *corev1.Event {
		ev := newCoreEvent(ns, name)
		ev.InvolvedObject.Name = object
		return ev
	}
	ec := shared.cs.CoreV1().Events(ns)
	for name, object := range map[string]string{"a": "web-1", "b": "web-1", "c": "web-2"} {
		if _, err := ec.Create(ctx, event(name, object), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sel := "involvedObject.name=web-1"
	for client, cs := range map[string]kubernetes.Interface{"json": shared.cs, "protobuf": pcs} {
		t.Run(client, func(t *testing.T) {
			list, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Items) != 2 || list.Items[0].Name != "a" || list.Items[1].Name != "b" {
				t.Fatalf("events of web-1 = %d items; want a and b", len(list.Items))
			}
			all, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			v1list, err := cs.EventsV1().Events(ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil || len(v1list.Items) != len(all.Items) {
				t.Fatalf("events.k8s.io list: %d items, %v; want the %d core/v1 lists", len(v1list.Items), err, len(all.Items))
			}
			w, err := cs.CoreV1().Events(ns).Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: list.ResourceVersion})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			name := "d-" + client
			if _, err := ec.Create(ctx, event(name, "web-2"), metav1.CreateOptions{}); err != nil { // not web-1: not sent
				t.Fatal(err)
			}
			moved := event("e-"+client, "web-1")
			if _, err := ec.Create(ctx, moved, metav1.CreateOptions{}); err != nil { // ADDED
				t.Fatal(err)
			}
			moved, err = ec.Get(ctx, moved.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			moved.InvolvedObject.Name = "web-3" // leaves the selector: DELETED
			if _, err := ec.Update(ctx, moved, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			want := []string{"ADDED e-" + client, "DELETED e-" + client}
			for i, wantEv := range want {
				select {
				case ev, ok := <-w.ResultChan():
					if !ok {
						t.Fatalf("watch closed before event %d", i)
					}
					e, isEvent := ev.Object.(*corev1.Event)
					if !isEvent {
						t.Fatalf("event %d carries %T", i, ev.Object)
					}
					if got := string(ev.Type) + " " + e.Name; got != wantEv || e.InvolvedObject.Name != "web-1" {
						t.Errorf("event %d = %s (of %s); want %s (of web-1)", i, got, e.InvolvedObject.Name, wantEv)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("no event %d within 10s", i)
				}
			}
			if _, err := cs.CoreV1().Events(ns).Get(ctx, "a", metav1.GetOptions{ResourceVersion: "999999999"}); statusCode(err) != 504 {
				t.Errorf("get at a future resourceVersion: %v; want 504 Too large resource version", err)
			}
		})
	}
}
