package storage

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestLocalReader checks that consistent reads served in-process by the
// embedded member agree with the same reads made through the etcd client.
func TestLocalReader(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{})
	remote, err := New(Config{Client: e.etcd.Client(), Scheme: scheme.Scheme, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	defer remote.Close()
	remotePods, err := remote.Resource(ctx, podConfig())
	if err != nil {
		t.Fatalf("Resource(pods) error = %v", err)
	}

	created := mustCreate(t, e.pods, pod("ns", "a", nil))
	relabel := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod).DeepCopy()
		p.Labels = map[string]string{"v": "2"}
		return p, nil
	}
	if _, err := e.pods.Update(ctx, "ns", "a", relabel); err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	local, err := e.pods.Get(ctx, "ns", "a", "")
	if err != nil {
		t.Fatalf("local Get() error = %v", err)
	}
	viaClient, err := remotePods.Get(ctx, "ns", "a", "")
	if err != nil {
		t.Fatalf("client Get() error = %v", err)
	}
	if got, want := rvOf(t, local), rvOf(t, viaClient); got != want || got <= rvOf(t, created) {
		t.Errorf("local Get resourceVersion = %d; want %d (the update's, after %d)", got, want, rvOf(t, created))
	}
	lrev, err := e.store.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("local CurrentRevision() error = %v", err)
	}
	crev, err := remote.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("client CurrentRevision() error = %v", err)
	}
	if lrev != crev {
		t.Errorf("local CurrentRevision = %d; want %d as etcd reports", lrev, crev)
	}
	if _, err := e.pods.Get(ctx, "ns", "missing", ""); err == nil {
		t.Errorf("local Get(missing) error = nil; want NotFound")
	}
}
