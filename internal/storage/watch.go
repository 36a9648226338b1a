package storage

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// watcherBuffer is how many events wait in a watcher's channel; a cached
// watcher may fall Config.WatchBacklog events further behind (backlog.go).
const watcherBuffer = 512

// resultBuffer is how many converted events wait in a watcher's result
// channel. A reader that finds more waiting (the API's watch handler)
// writes them together and flushes once, instead of once per event.
const resultBuffer = 64

// initialEventsAnnotation marks the bookmark that ends sendInitialEvents.
const initialEventsAnnotation = "k8s.io/initial-events-end"

// WatchOptions are the watch parameters of the API.
type WatchOptions struct {
	Label             labels.Selector // nil = everything
	Field             fields.Selector // nil = everything
	ResourceVersion   string
	AllowBookmarks    bool
	SendInitialEvents *bool
	// Protobuf makes the events of objects stored as protobuf carry a
	// *Message, the object's protobuf message, instead of the decoded
	// object (bookmarks stay objects), for a caller that writes protobuf.
	Protobuf bool
}

// Message stands for an object in the events of a watch opened with
// WatchOptions.Protobuf: Bytes is the object's protobuf message, the bytes
// a k8s protobuf envelope carries, resourceVersion included. They are
// shared: do not change them.
type Message struct {
	Bytes []byte
}

var _ runtime.Object = (*Message)(nil)

// GetObjectKind implements runtime.Object; a Message has no kind of its
// own (the watched resource's is meant).
func (m *Message) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject implements runtime.Object.
func (m *Message) DeepCopyObject() runtime.Object { return &Message{Bytes: bytes.Clone(m.Bytes)} }

// Watch streams changes of the objects in ns ("" = all namespaces) that
// match the selectors, from the watch cache (from etcd for an uncached
// resource, see watchEtcd). resourceVersion "" and "0" first send the
// current state as ADDED events ("" after a consistent read); N sends
// every kept event after N (410 Expired if N is older than the history;
// an uncached resource sends it as an ERROR event). An update that makes
// an object start or stop matching is sent as ADDED or DELETED. A watcher
// that falls behind by more than its buffer and Config.WatchBacklog is
// terminated (its channel closed); clients then re-watch. Event objects
// are the caller's own, except bookmarks and Messages, which are shared.
// The watch ends when ctx ends or Stop is called.
func (r *Resource) Watch(ctx context.Context, ns string, opts WatchOptions) (watch.Interface, error) {
	rv, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	initial := opts.ResourceVersion == "" || rv == 0
	endBookmark := false
	if opts.SendInitialEvents != nil {
		if *opts.SendInitialEvents && !initial {
			return nil, apierrors.NewBadRequest("sendInitialEvents is only allowed with resourceVersion \"\" or \"0\"")
		}
		initial = *opts.SendInitialEvents
		endBookmark = *opts.SendInitialEvents
	}
	w := r.newWatcher(ns, opts)
	if r.cache == nil {
		if err := r.watchEtcd(ctx, w, rv, initial, endBookmark); err != nil {
			return nil, err
		}
		w.start(ctx)
		return w, nil
	}
	switch {
	case opts.ResourceVersion == "":
		if _, err := r.waitFresh(ctx); err != nil {
			return nil, err
		}
	case rv > 0:
		if _, err := r.waitForRev(ctx, rv); err != nil {
			return nil, err
		}
	}
	w.detach = func() { r.cache.removeWatcher(w) }
	if err := r.register(w, rv, initial, endBookmark); err != nil {
		return nil, err
	}
	w.start(ctx)
	return w, nil
}

// newWatcher returns a watcher of ns with opts, not yet fed or started.
func (r *Resource) newWatcher(ns string, opts WatchOptions) *watcher {
	if !r.rc.Namespaced {
		ns = ""
	}
	return &watcher{
		r:         r,
		ns:        ns,
		pred:      predicate{label: opts.Label, field: opts.Field},
		prefix:    r.listPrefix(ns),
		bookmarks: opts.AllowBookmarks,
		protobuf:  opts.Protobuf,
		in:        make(chan *event, watcherBuffer),
		wake:      make(chan struct{}, 1),
		result:    make(chan watch.Event, resultBuffer),
		done:      make(chan struct{}),
	}
}

// start runs w until its input closes, Stop is called or ctx ends.
func (w *watcher) start(ctx context.Context) {
	stopOnCancel := context.AfterFunc(ctx, w.Stop)
	go func() {
		defer stopOnCancel()
		w.run()
	}()
}

// register snapshots what w must send first and adds it to the cache's
// watchers in one critical section, so no event is lost or repeated.
func (r *Resource) register(w *watcher, rv int64, initial, endBookmark bool) error {
	c := r.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if initial {
		entries := c.rangeLocked(w.prefix)
		w.initial = make([]*event, 0, len(entries))
		for _, e := range entries {
			w.initial = append(w.initial, &event{typ: watch.Added, rev: e.rev, cur: e})
		}
		if endBookmark {
			w.initial = append(w.initial, r.bookmarkEvent(c.rev, true))
		}
	} else if rv > 0 {
		if rv < c.historyFrom {
			return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, c.historyFrom))
		}
		w.initial = c.eventsAfterLocked(rv)
	}
	c.addWatcherLocked(w)
	return nil
}

// bookmarkEvent returns a BOOKMARK event at rev; its object has only the
// resourceVersion (and the initial-events-end annotation if end is set).
func (r *Resource) bookmarkEvent(rev int64, end bool) *event {
	obj := r.rc.New()
	obj.GetObjectKind().SetGroupVersionKind(r.rc.GVK)
	if acc, err := meta.Accessor(obj); err == nil {
		if end {
			acc.SetAnnotations(map[string]string{initialEventsAnnotation: "true"})
		}
	}
	if err := setRV(obj, rev); err != nil {
		r.store.log.Error("cannot build bookmark", "err", err)
	}
	return &event{typ: watch.Bookmark, rev: rev, cur: &entry{obj: obj, rev: rev}, initialEnd: end}
}

// bookmarkLoop sends a bookmark to watchers that allow them every
// BookmarkInterval.
func (r *Resource) bookmarkLoop(ctx context.Context) {
	t := r.store.cfg.Clock.NewTicker(r.store.cfg.BookmarkInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			r.cache.bookmark(func(rev int64) *event { return r.bookmarkEvent(rev, false) })
		}
	}
}

// watcher is one client watch fed by the cache.
type watcher struct {
	r         *Resource
	pred      predicate
	prefix    string
	bookmarks bool
	protobuf  bool
	initial   []*event
	// ns is the namespace the watch was asked for ("" for all, and for a
	// cluster-scoped resource); key is where the cache filed it.
	ns  string
	key watchKey

	// in is written and closed by the cache only, or for an uncached
	// resource by the watch's etcd pump.
	in chan *event
	// overflow holds, in order, the events that came while in was full
	// (backlog.go); the cache's mu guards it. behind is set while it holds
	// events, and wake is signalled when it starts to.
	overflow []*event
	behind   atomic.Bool
	wake     chan struct{}
	result   chan watch.Event
	done     chan struct{}
	// detach unhooks the watcher from what feeds in; called once, by Stop.
	detach   func()
	stopOnce sync.Once
}

var _ watch.Interface = (*watcher)(nil)

// ResultChan returns the events; it is closed when the watch ends.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch. It is idempotent.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() {
		close(w.done)
		w.detach()
	})
}

func (w *watcher) run() {
	defer close(w.result)
	for _, ev := range w.initial {
		if !w.send(ev) {
			return
		}
	}
	w.initial = nil
	for {
		if len(w.in) == 0 && w.behind.Load() {
			w.r.cache.refill(w)
		}
		select {
		case ev, ok := <-w.in:
			if !ok {
				return
			}
			if !w.send(ev) {
				return
			}
		case <-w.wake:
		case <-w.done:
			return
		}
	}
}

// send delivers ev if this watcher should see it; false means stop.
func (w *watcher) send(ev *event) bool {
	out, ok := w.convert(ev)
	if !ok {
		return true
	}
	select {
	case w.result <- out:
		return true
	case <-w.done:
		return false
	}
}

// convert applies the namespace and selectors to ev, turning selector
// transitions into ADDED or DELETED as upstream's cacher does.
func (w *watcher) convert(ev *event) (watch.Event, bool) {
	switch ev.typ {
	case watch.Bookmark:
		return watch.Event{Type: watch.Bookmark, Object: ev.cur.obj}, w.bookmarks || ev.initialEnd
	case watch.Error:
		return watch.Event{Type: watch.Error, Object: ev.cur.obj}, true
	case watch.Added, watch.Deleted:
		if !w.matches(ev.cur) {
			return watch.Event{}, false
		}
		return watch.Event{Type: ev.typ, Object: w.object(ev.cur)}, true
	}
	cur, prev := w.matches(ev.cur), ev.prev != nil && w.matches(ev.prev)
	switch {
	case cur && prev:
		return watch.Event{Type: watch.Modified, Object: w.object(ev.cur)}, true
	case cur:
		return watch.Event{Type: watch.Added, Object: w.object(ev.cur)}, true
	case prev:
		// The object leaves the selector: its last matching state, at
		// the revision of the change.
		last := ev.prev.withRev(ev.rev)
		if last == nil {
			last = ev.prev
		}
		return watch.Event{Type: watch.Deleted, Object: w.object(last)}, true
	}
	return watch.Event{}, false
}

// object is what an event of e carries to this watcher: its protobuf
// message for a protobuf watcher, else its decoded object.
func (w *watcher) object(e *entry) runtime.Object {
	if w.protobuf && e.msg != nil {
		return &Message{Bytes: e.msg}
	}
	return e.object()
}

func (w *watcher) matches(e *entry) bool {
	return len(e.key) >= len(w.prefix) && e.key[:len(w.prefix)] == w.prefix && w.pred.matches(e)
}
