package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
)

// An uncached resource (ResourceConfig.Uncached) has no watch cache: it is
// read from etcd on every request, as upstream reads the resources its
// DefaultWatchCacheSizes turns off (both events resources). Events are
// written by every controller and kubelet and read by a person running
// kubectl describe now and then; a cache would hold every one of them in
// memory for that. What the cache offers other readers is done here by
// etcd itself:
//
//   - A get or list reads etcd's latest state (or, as for every resource,
//     an exact revision). resourceVersion N asks for a state not older than
//     N: etcd's is always the newest, so the only check left is that etcd
//     has reached N (the Timeout "Too large resource version" otherwise).
//   - A watch is an etcd watch of its own on the store's shared watch
//     stream, started after the initial list when it sends the current
//     state first. A compacted start revision ends it with an ERROR event
//     carrying 410 Expired, as upstream's etcd watcher does, rather than
//     the failed request a cache's short history gives.
//   - Bookmarks are etcd progress notifications: every BookmarkInterval a
//     watch that allows them asks the stream for one.

// countTimeout bounds the etcd count behind Count for an uncached resource.
const countTimeout = 5 * time.Second

// countEtcd counts the resource's keys in etcd, -1 on failure.
func (r *Resource) countEtcd() int64 {
	ctx, cancel := context.WithTimeout(r.store.baseCtx, countTimeout)
	defer cancel()
	resp, err := r.store.kv.Get(ctx, r.prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		r.store.log.Warn("cannot count objects", "resource", r.rc.GroupResource.String(), "err", err)
		return -1
	}
	return resp.Count
}

// etcdEntry reads key from etcd for a read at resourceVersion rv (0: any).
func (r *Resource) etcdEntry(ctx context.Context, key, name string, rv int64) (*entry, error) {
	if rv > 0 {
		cur, err := r.store.currentRevision(ctx)
		if err != nil {
			return nil, err
		}
		if cur < rv {
			return nil, tooLargeRV(rv, cur)
		}
	}
	stored, modRev, found, err := r.readStored(ctx, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apierrors.NewNotFound(r.rc.GroupResource, name)
	}
	e, err := r.newEntry(ctx, key, stored, modRev)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return e, nil
}

// listLatest answers a list of an uncached resource from etcd's latest
// state, which must be at revision minRev or later.
func (r *Resource) listLatest(ctx context.Context, prefix string, p predicate, limit, minRev int64) (*ListResult, error) {
	res, err := r.listEtcd(ctx, prefix, prefix, 0, p, limit, false)
	if err != nil {
		return nil, err
	}
	if int64(res.ResourceVersion) < minRev {
		return nil, tooLargeRV(minRev, int64(res.ResourceVersion))
	}
	return res, nil
}

// watchEtcd feeds w from an etcd watch of its own: first the current state
// when initial is set (and the bookmark that ends it when endBookmark is),
// then every change after it, or every change after rv.
func (r *Resource) watchEtcd(ctx context.Context, w *watcher, rv int64, initial, endBookmark bool) error {
	from := rv
	switch {
	case initial:
		res, err := r.listEtcd(ctx, w.prefix, w.prefix, 0, w.pred, 0, false)
		if err != nil {
			return err
		}
		from = int64(res.ResourceVersion)
		w.initial = make([]*event, 0, len(res.entries)+1)
		for _, e := range res.entries {
			w.initial = append(w.initial, &event{typ: watch.Added, rev: e.rev, cur: e})
		}
		if endBookmark {
			w.initial = append(w.initial, r.bookmarkEvent(from, true))
		}
	case rv == 0:
		// sendInitialEvents=false: only what happens from now on.
		cur, err := r.store.currentRevision(ctx)
		if err != nil {
			return err
		}
		from = cur
	}
	// The watch shares the stream of the store's context, which carries
	// the progress requests and ends with Close.
	wctx, cancel := context.WithCancel(r.store.baseCtx)
	w.detach = cancel
	wch := r.store.watcher.Watch(wctx, w.prefix, clientv3.WithPrefix(), clientv3.WithRev(from+1),
		clientv3.WithPrevKV(), clientv3.WithProgressNotify())
	go r.pump(wctx, w, wch)
	return nil
}

// pump turns the etcd watch's responses into w's events until the watch
// ends; then it closes w's input, which ends w.
func (r *Resource) pump(ctx context.Context, w *watcher, wch clientv3.WatchChan) {
	defer close(w.in)
	var tick <-chan time.Time
	if w.bookmarks {
		t := r.store.cfg.Clock.NewTicker(r.store.cfg.BookmarkInterval)
		defer t.Stop()
		tick = t.C()
	}
	send := func(ev *event) bool {
		select {
		case w.in <- ev:
			return true
		case <-w.done:
			return false
		case <-ctx.Done():
			return false
		}
	}
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case resp, ok = <-wch:
		case <-tick:
			r.store.kickProgress()
			continue
		case <-ctx.Done():
			return
		}
		if !ok {
			return
		}
		if err := resp.Err(); err != nil {
			send(r.watchErrorEvent(err))
			return
		}
		if resp.IsProgressNotify() {
			if w.bookmarks && !send(r.bookmarkEvent(resp.Header.Revision, false)) {
				return
			}
			continue
		}
		for _, ev := range resp.Events {
			if e := r.etcdEvent(ctx, ev, w.pred.empty()); e != nil && !send(e) {
				return
			}
		}
	}
}

// etcdEvent makes the event of one etcd change; nil if its value does not
// decode (logged by newEntry). A watcher without selectors needs no
// previous state (it matches where the new one does), so samePrev skips
// decoding it.
func (r *Resource) etcdEvent(ctx context.Context, ev *clientv3.Event, samePrev bool) *event {
	key, rev := string(ev.Kv.Key), ev.Kv.ModRevision
	if ev.Type == mvccpb.DELETE {
		if ev.PrevKv == nil {
			return nil
		}
		last, err := r.newEntry(ctx, key, ev.PrevKv.Value, rev)
		if err != nil {
			return nil
		}
		return &event{typ: watch.Deleted, rev: rev, cur: last}
	}
	cur, err := r.newEntry(ctx, key, ev.Kv.Value, rev)
	if err != nil {
		return nil
	}
	if ev.IsCreate() {
		return &event{typ: watch.Added, rev: rev, cur: cur}
	}
	prev := cur
	if !samePrev && ev.PrevKv != nil {
		if prev, err = r.newEntry(ctx, key, ev.PrevKv.Value, ev.PrevKv.ModRevision); err != nil {
			prev = nil
		}
	}
	return &event{typ: watch.Modified, rev: rev, cur: cur, prev: prev}
}

// watchErrorEvent is the ERROR event that ends a failed etcd watch.
func (r *Resource) watchErrorEvent(err error) *event {
	var status *apierrors.StatusError
	if errors.Is(err, rpctypes.ErrCompacted) {
		status = apierrors.NewResourceExpired("The resourceVersion for the provided watch is too old.")
	} else {
		status = apierrors.NewInternalError(fmt.Errorf("watch of %s: %w", r.rc.GroupResource, err))
	}
	st := status.Status()
	return &event{typ: watch.Error, cur: &entry{obj: &st}}
}
