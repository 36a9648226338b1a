package allocator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// listPageSize bounds one etcd range read while listing allocations.
const listPageSize = 5000

// store is one allocation namespace in etcd: one key per allocated value,
// the value of the key being the owner.
type store struct {
	client *clientv3.Client
	prefix string // always ends in "/"
}

func newStore(client *clientv3.Client, prefix string) (store, error) {
	if client == nil {
		return store{}, errors.New("allocator: nil etcd client")
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return store{}, errors.New("allocator: empty key prefix")
	}
	return store{client: client, prefix: prefix + "/"}, nil
}

func (s store) key(value string) string { return s.prefix + value }

// create takes value for owner if nobody holds it. It reports false when the
// key already exists.
func (s store) create(ctx context.Context, value, owner string) (bool, error) {
	k := s.key(value)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, owner)).
		Commit()
	if err != nil {
		return false, fmt.Errorf("allocator: create %s: %w", k, err)
	}
	return resp.Succeeded, nil
}

// exists reports whether someone holds value.
func (s store) exists(ctx context.Context, value string) (bool, error) {
	resp, err := s.client.Get(ctx, s.key(value), clientv3.WithCountOnly())
	if err != nil {
		return false, fmt.Errorf("allocator: read %s: %w", s.key(value), err)
	}
	return resp.Count > 0, nil
}

// delete removes value's key; a missing key is not an error.
func (s store) delete(ctx context.Context, value string) error {
	if _, err := s.client.Delete(ctx, s.key(value)); err != nil {
		return fmt.Errorf("allocator: delete %s: %w", s.key(value), err)
	}
	return nil
}

// deleteIfUnchanged removes kv's key only if nobody wrote it since kv was read.
func (s store) deleteIfUnchanged(ctx context.Context, kv *mvccpb.KeyValue) (bool, error) {
	k := string(kv.Key)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", kv.ModRevision)).
		Then(clientv3.OpDelete(k)).
		Commit()
	if err != nil {
		return false, fmt.Errorf("allocator: delete %s: %w", k, err)
	}
	return resp.Succeeded, nil
}

// putIfUnchanged sets kv's key to owner only if nobody wrote it since kv was read.
func (s store) putIfUnchanged(ctx context.Context, kv *mvccpb.KeyValue, owner string) (bool, error) {
	k := string(kv.Key)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", kv.ModRevision)).
		Then(clientv3.OpPut(k, owner)).
		Commit()
	if err != nil {
		return false, fmt.Errorf("allocator: update %s: %w", k, err)
	}
	return resp.Succeeded, nil
}

// list returns every allocation under the prefix, read page by page at one
// revision. With keysOnly the values are left empty.
func (s store) list(ctx context.Context, keysOnly bool) ([]*mvccpb.KeyValue, error) {
	end := clientv3.GetPrefixRangeEnd(s.prefix)
	from := s.prefix
	var rev int64
	var out []*mvccpb.KeyValue
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPageSize)}
		if keysOnly {
			opts = append(opts, clientv3.WithKeysOnly())
		}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.client.Get(ctx, from, opts...)
		if err != nil {
			return nil, fmt.Errorf("allocator: list %s: %w", s.prefix, err)
		}
		rev = resp.Header.Revision
		out = append(out, resp.Kvs...)
		if !resp.More || len(resp.Kvs) == 0 {
			return out, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// value is the allocated value named by a key under the prefix.
func (s store) value(kv *mvccpb.KeyValue) string {
	return strings.TrimPrefix(string(kv.Key), s.prefix)
}
