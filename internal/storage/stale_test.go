package storage

import (
	"context"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// versionedTransformer marks stored bytes with a one-byte version and calls
// every other version stale, as an encryption key rotation does.
type versionedTransformer struct{ current atomic.Int32 }

func (v *versionedTransformer) TransformToStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return append([]byte{byte(v.current.Load())}, data...), nil
}

func (v *versionedTransformer) TransformFromStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return data[1:], nil
}

func (v *versionedTransformer) Stale(stored []byte, _ string) bool {
	return len(stored) == 0 || stored[0] != byte(v.current.Load())
}

func TestUnchangedUpdateRewritesStaleBytes(t *testing.T) {
	ctx := context.Background()
	tr := &versionedTransformer{}
	tr.current.Store(1)
	e := newEnv(t, "", Config{Transformer: tr})
	mustCreate(t, e.pods, pod("ns", "a", nil))
	same := func(cur runtime.Object) (runtime.Object, error) { return cur, nil }
	storedVersion := func() (byte, int64) {
		t.Helper()
		resp, err := e.etcd.Client().Get(ctx, "/registry/pods/ns/a")
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("etcd Get() = %v, %v; want one kv", resp, err)
		}
		return resp.Kvs[0].Value[0], resp.Kvs[0].ModRevision
	}
	_, rev0 := storedVersion()

	tests := []struct {
		name        string
		current     int32
		wantVersion byte
		wantWrite   bool
	}{
		{name: "current bytes: unchanged update skipped", current: 1, wantVersion: 1, wantWrite: false},
		{name: "stale bytes: unchanged update rewrites", current: 2, wantVersion: 2, wantWrite: true},
		{name: "rewritten bytes are current again", current: 2, wantVersion: 2, wantWrite: false},
	}
	prev := rev0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr.current.Store(tt.current)
			if _, err := e.pods.Update(ctx, "ns", "a", same); err != nil {
				t.Fatalf("Update() error = %v", err)
			}
			gotVersion, rev := storedVersion()
			if gotVersion != tt.wantVersion {
				t.Errorf("stored version = %d; want %d", gotVersion, tt.wantVersion)
			}
			if wrote := rev != prev; wrote != tt.wantWrite {
				t.Errorf("wrote = %v (mod revision %d -> %d); want %v", wrote, prev, rev, tt.wantWrite)
			}
			prev = rev
		})
	}
}
