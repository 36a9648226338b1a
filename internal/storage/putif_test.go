package storage

import (
	"context"
	"errors"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestPutIf: a put that expects the key absent (mod revision 0) or at a
// revision writes only then; a failed compare with getElse carries the
// current value; the stored value does not change when the caller reuses
// its bytes afterwards; an unknown lease is rpctypes.ErrLeaseNotFound (what
// commitPut retries on) and a cancelled context its error: through the
// member in-process and through a client alike.
func TestPutIf(t *testing.T) {
	e := newEnv(t, "", Config{})
	remote, err := New(Config{Client: e.etcd.Client(), Scheme: scheme.Scheme, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		store *Store
	}{{"in-process", e.store}, {"client", remote}} {
		t.Run(tt.name, func(t *testing.T) {
			s, key := tt.store, "/putif/"+tt.name
			data := []byte("one")
			resp, err := s.putIf(ctx, key, 0, data, clientv3.NoLease, false)
			if err != nil || !resp.Succeeded {
				t.Fatalf("putIf(absent) = %v, %v; want success", resp, err)
			}
			rev := resp.Header.Revision
			copy(data, "xxx")
			if got := get(t, e.etcd.Client(), key); got != "one" {
				t.Fatalf("stored %q after the caller reused its bytes; want %q", got, "one")
			}
			resp, err = s.putIf(ctx, key, 0, []byte("two"), clientv3.NoLease, true)
			if err != nil || resp.Succeeded {
				t.Fatalf("putIf(absent) of an existing key = %v, %v; want a failed compare", resp, err)
			}
			if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) != 1 || string(kvs[0].Value) != "one" || kvs[0].ModRevision != rev {
				t.Fatalf("failed compare with getElse = %v; want the current value at %d", kvs, rev)
			}
			if resp, err = s.putIf(ctx, key, rev, []byte("two"), clientv3.NoLease, false); err != nil || !resp.Succeeded || len(resp.Responses) != 1 {
				t.Fatalf("putIf(at %d) = %v, %v; want success", rev, resp, err)
			}
			if got := get(t, e.etcd.Client(), key); got != "two" {
				t.Fatalf("stored %q; want %q", got, "two")
			}
			if _, err := s.putIf(ctx, key, 0, []byte("x"), clientv3.LeaseID(12345), false); err != nil {
				t.Fatalf("a failed compare with an unknown lease = %v; want no error (the put never runs)", err)
			}
			if _, err := s.putIf(ctx, key+"/new", 0, []byte("x"), clientv3.LeaseID(12345), false); !errors.Is(err, rpctypes.ErrLeaseNotFound) {
				t.Fatalf("putIf with an unknown lease error = %v; want ErrLeaseNotFound", err)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.putIf(cancelled, key+"/late", 0, []byte("x"), clientv3.NoLease, false); !errors.Is(err, context.Canceled) {
				t.Fatalf("putIf with a cancelled context error = %v; want context.Canceled", err)
			}
		})
	}
}

func get(t *testing.T, c *clientv3.Client, key string) string {
	t.Helper()
	resp, err := c.Get(context.Background(), key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("Get(%s) = %v, %v", key, resp, err)
	}
	return string(resp.Kvs[0].Value)
}
