package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEventTTLConfig: events live an hour by default, as upstream's
// --event-ttl; a TTL under a second stops the server before it starts.
func TestEventTTLConfig(t *testing.T) {
	cfg := ServerConfig{DataDir: t.TempDir()}
	if err := cfg.validate(); err != nil || cfg.EventTTL != time.Hour {
		t.Errorf("validate() = %v, EventTTL %s; want nil and 1h", err, cfg.EventTTL)
	}
	for _, d := range []time.Duration{-time.Second, 500 * time.Millisecond} {
		cfg := ServerConfig{DataDir: t.TempDir(), EventTTL: d}
		if err := cfg.validate(); err == nil || err.Error() != "--event-ttl "+d.String()+": must be at least 1s" {
			t.Errorf("validate(--event-ttl %s) = %v; want the flag named", d, err)
		}
	}
}

// TestEventTTL: a server deletes an event its TTL after the event's last
// write, and keeps other objects.
func TestEventTTL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _, cs := startTestServer(t, ctx, ServerConfig{DataDir: t.TempDir(), EventTTL: time.Second, DisableAgent: true,
		DisableControllerManager: true, DisableScheduler: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	now := metav1.Now()
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
		Reason:         "Test", Message: "m", Type: corev1.EventTypeNormal, FirstTimestamp: now, LastTimestamp: now, Count: 1}
	if _, err := cs.CoreV1().Events("default").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: "default"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := cs.CoreV1().Events("default").Get(ctx, "e", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("event still there 20s after its 1s TTL")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap after the event's TTL: %v; want it kept", err)
	}
}
