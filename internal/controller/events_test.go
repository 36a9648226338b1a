package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestEventsStartOnFirstEvent: no broadcaster until the first event; the
// event reaches the API with the component as its source; after Shutdown
// events are dropped.
func TestEventsStartOnFirstEvent(t *testing.T) {
	cs := fake.NewClientset()
	ev := NewEvents(cs, "replicaset-controller")
	if ev.started() {
		t.Fatal("a broadcaster started before any event")
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1"}}
	ev.Eventf(pod, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", pod.Name)
	if !ev.started() {
		t.Fatal("the first event did not start the broadcaster")
	}
	var got []corev1.Event
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l, err := cs.CoreV1().Events("ns").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got = l.Items; len(got) > 0 {
			break
		}
	}
	if len(got) != 1 || got[0].Reason != "SuccessfulCreate" || got[0].Message != "Created pod: p" ||
		got[0].Source.Component != "replicaset-controller" || got[0].InvolvedObject.Name != "p" {
		t.Fatalf("events stored: %+v; want one SuccessfulCreate from replicaset-controller about p", got)
	}
	ev.Shutdown()
	ev.Event(pod, corev1.EventTypeWarning, "Late", "after shutdown") // dropped, no panic
}

// TestEventsShutdownUnstarted: Shutdown of a recorder that never recorded
// starts nothing, and later events are dropped.
func TestEventsShutdownUnstarted(t *testing.T) {
	ev := NewEvents(fake.NewClientset(), "job-controller")
	ev.Shutdown()
	ev.Event(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, corev1.EventTypeNormal, "R", "m")
	if ev.started() {
		t.Error("an event after Shutdown started a broadcaster")
	}
}
