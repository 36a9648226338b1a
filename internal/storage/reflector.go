package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/watch"
)

// primePageSize bounds one etcd range request of the initial list.
const primePageSize = 10000

// relistBackoff is the pause between failed attempts to restart the watch.
const relistBackoff = time.Second

// prime lists the resource from etcd into the cache and returns the
// revision listed at.
func (r *Resource) prime(ctx context.Context) (int64, error) {
	var (
		entries []*entry
		rev     int64
		from    = r.prefix
		end     = clientv3.GetPrefixRangeEnd(r.prefix)
	)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(primePageSize)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := r.store.client.Get(ctx, from, opts...)
		if err != nil {
			return 0, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			e, err := r.newEntry(ctx, string(kv.Key), kv.Value, kv.ModRevision)
			if err != nil {
				continue // logged; the key answers InternalError on Get
			}
			entries = append(entries, e)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	r.cache.replace(entries, rev)
	return rev, nil
}

// newEntry makes a cache entry of a stored value: it takes the selector
// attributes from this store's write of exactly these bytes (a hint) or
// decodes the value once for them, and keeps the plain encoding.
func (r *Resource) newEntry(ctx context.Context, key string, value []byte, rev int64) (*entry, error) {
	data, err := r.plain(ctx, key, value)
	if err != nil {
		return nil, err
	}
	a, hinted := r.takeHint(key, data)
	if !hinted {
		obj, err := r.decodePlain(key, data, rev)
		if err != nil {
			return nil, err
		}
		if a, err = r.selectorAttrs(obj); err != nil {
			r.store.log.Error("cannot compute selector attributes", "key", key, "err", err)
			return nil, fmt.Errorf("storage: attributes of %s: %w", key, err)
		}
	}
	e := &entry{key: key, ns: a.ns, res: r, labels: a.labels, fields: a.fields, rev: rev}
	if r.rc.ShareDecoded {
		e.shared = &decodedOnce{}
	}
	if msg, ok := messageWithRV(data, rev); ok {
		e.msg = msg.Bytes()
	} else {
		e.data = data
	}
	return e, nil
}

// reflect keeps the cache in sync with etcd from revision rev+1 until ctx
// ends. When the watch fails (e.g. its revision was compacted) it relists,
// which terminates every watcher of this resource.
func (r *Resource) reflect(ctx context.Context, rev int64) {
	for {
		err := r.watchFrom(ctx, rev)
		if ctx.Err() != nil {
			r.cache.replace(nil, 0) // terminate watchers
			return
		}
		r.store.log.Warn("watch cache restarting", "resource", r.rc.GroupResource.String(), "err", err)
		for {
			var perr error
			rev, perr = r.prime(ctx)
			if perr == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			r.store.log.Warn("watch cache relist failed", "resource", r.rc.GroupResource.String(), "err", perr)
			t := time.NewTimer(relistBackoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// watchFrom runs one etcd watch and applies its events; it returns when the
// watch ends.
func (r *Resource) watchFrom(ctx context.Context, rev int64) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// No WithPrevKV: the cache holds every key's state before each event
	// (it applies them in order from the primed revision), and etcd would
	// read each previous version back from its database, touching a page
	// of the mapped file per update.
	wch := r.store.watcher.Watch(wctx, r.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1),
		clientv3.WithProgressNotify())
	for resp := range wch {
		if err := resp.Err(); err != nil {
			return err
		}
		if resp.IsProgressNotify() {
			r.cache.advance(resp.Header.Revision)
			continue
		}
		for _, ev := range resp.Events {
			r.applyEtcdEvent(ctx, ev)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.New("watch channel closed")
}

// applyEtcdEvent decodes one etcd event (once) and applies it to the cache.
func (r *Resource) applyEtcdEvent(ctx context.Context, ev *clientv3.Event) {
	r.cache.received.Add(1)
	key := string(ev.Kv.Key)
	rev := ev.Kv.ModRevision
	if ev.Type == mvccpb.DELETE {
		// The cache's entry is the state the delete removed.
		var last *entry
		if cur, _ := r.cache.get(key); cur != nil {
			last = cur.withRev(rev)
		}
		if last == nil { // a key whose value could not be decoded
			r.cache.advance(rev)
			return
		}
		r.cache.apply(&event{typ: watch.Deleted, rev: rev, cur: last})
		return
	}
	e, err := r.newEntry(ctx, key, ev.Kv.Value, rev)
	if err != nil {
		r.cache.advance(rev)
		return
	}
	prev, _ := r.cache.get(key)
	typ := watch.Modified
	if prev == nil {
		typ = watch.Added
	}
	r.cache.apply(&event{typ: typ, rev: rev, cur: e, prev: prev})
}

// inNamespace reports whether key is in the list prefix of ns.
func (r *Resource) inNamespace(key, ns string) bool {
	return strings.HasPrefix(key, r.listPrefix(ns))
}
