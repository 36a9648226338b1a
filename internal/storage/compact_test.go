package storage

import (
	"bytes"
	"context"
	"errors"
	goruntime "runtime"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestRunCompactsToPreviousInterval(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	e := newEnv(t, "", Config{Clock: clk, CompactInterval: time.Minute, BookmarkInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.store.Run(ctx) }()

	first := mustCreate(t, e.pods, pod("ns", "a", nil))
	waitForTicker := func(n int) {
		for clk.Waiters() < n {
			goruntime.Gosched()
		}
	}
	waitForTicker(2)      // the bookmark ticker and Run's ticker
	clk.Step(time.Minute) // Run records the current revision
	mustCreate(t, e.pods, pod("ns", "b", nil))
	// A later tick compacts to the revision recorded at the first. Ticks
	// that arrive while Run is busy are dropped, so keep stepping.
	deadline := time.Now().Add(10 * time.Second)
	for {
		clk.Step(time.Minute)
		_, err := e.etcd.Client().Get(context.Background(), "/registry/pods/ns/a", clientv3.WithRev(rvOf(t, first)-1))
		if errors.Is(err, rpctypes.ErrCompacted) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get at revision %d error = %v; want ErrCompacted after two compaction ticks", rvOf(t, first)-1, err)
		}
		goruntime.Gosched()
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run() = %v; want nil", err)
	}
}

// xorTransformer is a stand-in for encryption at rest.
type xorTransformer struct{}

func (xorTransformer) TransformToStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return xor(data), nil
}

func (xorTransformer) TransformFromStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return xor(data), nil
}

func xor(data []byte) []byte {
	out := make([]byte, len(data))
	for i, b := range data {
		out[i] = b ^ 0x5a
	}
	return out
}

func TestTransformerAppliedToStoredBytes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", Config{Transformer: xorTransformer{}})
	mustCreate(t, e.pods, pod("ns", "a", map[string]string{"k": "v"}))
	resp, err := e.etcd.Client().Get(ctx, "/registry/pods/ns/a")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("etcd Get() = %v, %v; want one kv", resp, err)
	}
	if bytes.HasPrefix(resp.Kvs[0].Value, []byte("k8s\x00")) {
		t.Errorf("stored value starts with the plain protobuf envelope; want transformed bytes")
	}
	got, err := e.pods.Get(ctx, "ns", "a", "")
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if lbl := got.(interface{ GetLabels() map[string]string }).GetLabels()["k"]; lbl != "v" {
		t.Errorf("Get() label k = %q; want v", lbl)
	}
}
