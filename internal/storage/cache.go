package storage

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// entry is one object in the cache: its plain stored encoding and the
// attributes selectors match on. The object is decoded from data on each
// use, so every reader gets its own copy: a decoded Pod takes about four
// times its encoding, and most readers (protobuf clients, which include
// the in-process informers) are served from the encoding itself. Entries
// are immutable once in the cache and shared with every reader.
type entry struct {
	key string
	ns  string
	// msg is the object's protobuf message with resourceVersion rev (what
	// a protobuf client is sent, as is); data is the plain stored
	// encoding instead when that is not protobuf. res decodes either.
	msg  []byte
	data []byte
	res  *Resource
	// obj is set instead of data for objects not read from storage (the
	// bookmarks); it is shared.
	obj    runtime.Object
	labels attrs
	fields fieldAttrs
	rev    int64
	// shared, set for resources with ResourceConfig.ShareDecoded, holds
	// the object once a shared read (GetShared, SharedObjects) decoded it.
	shared *decodedOnce
}

// decodedOnce is an entry's object decoded at most once, for readers that
// do not change what they read.
type decodedOnce struct {
	once sync.Once
	obj  runtime.Object
}

// protoUnmarshaler is implemented by every k8s.io/api type.
type protoUnmarshaler interface {
	Unmarshal([]byte) error
}

// object returns the entry's object with resourceVersion rev, decoded
// from its encoding (which decoded once already, when the entry was made).
func (e *entry) object() runtime.Object {
	if e.obj != nil {
		return e.obj
	}
	obj, err := e.decode()
	if err != nil {
		// The bytes decoded when the entry was made, so this cannot
		// happen; serve an empty object rather than none.
		e.res.store.log.Error("cannot decode cached object", "key", e.key, "err", err)
		obj = e.res.rc.New()
		_ = setRV(obj, e.rev)
	}
	obj.GetObjectKind().SetGroupVersionKind(e.res.rc.GVK)
	return obj
}

// sharedObject is object() decoded once and handed to every caller, for
// entries of resources that share their decoded objects; other entries
// decode a copy per call. The caller must not change it.
func (e *entry) sharedObject() runtime.Object {
	if e.shared == nil {
		return e.object()
	}
	e.shared.once.Do(func() { e.shared.obj = e.object() })
	return e.shared.obj
}

func (e *entry) decode() (runtime.Object, error) {
	if e.msg == nil {
		return e.res.decodePlain(e.key, e.data, e.rev)
	}
	obj := e.res.rc.New()
	u, ok := obj.(protoUnmarshaler)
	if !ok {
		return nil, fmt.Errorf("%T has no protobuf decoding", obj)
	}
	return obj, u.Unmarshal(e.msg)
}

// withRev returns a copy of e whose object has resourceVersion rev: the
// last state of an object deleted, or leaving a watcher's selector, at the
// revision of that change. It is nil if the message cannot be rewritten.
func (e *entry) withRev(rev int64) *entry {
	c := *e
	c.rev = rev
	c.shared = nil // its object would have e's resourceVersion
	if e.msg != nil {
		msg, ok := setMessageRV(e.msg, rev)
		if !ok {
			return nil
		}
		c.msg = msg
	}
	return &c
}

// event is one change, decoded once and shared by every watcher.
type event struct {
	typ watch.EventType
	rev int64
	// cur is the new state (ADDED, MODIFIED), the last state with
	// resourceVersion = rev (DELETED), the bookmark object (BOOKMARK), or
	// the Status of an ERROR (only from an uncached resource's watch).
	cur *entry
	// prev is the state before a MODIFIED event, or cur itself when the
	// two have the same labels and fields (sameAttrs).
	prev *entry
	// initialEnd marks the bookmark that ends sendInitialEvents; it is sent
	// even to watchers that did not allow bookmarks.
	initialEnd bool
}

// cache is the in-memory state of one resource at revision rev, the recent
// events that led to it, and the watchers fed from it. mu guards all of it.
type cache struct {
	// received counts the etcd events the reflector took in, dispatched
	// the changes handed to the watchers (apply), and unresponsive the
	// watchers terminated because their backlog was full.
	received, dispatched, unresponsive atomic.Uint64
	mu                                 sync.RWMutex
	items                              map[string]*entry
	list                               []*entry // the entries of items sorted by key
	rev                                int64
	// revChanged is closed and replaced whenever rev advances.
	revChanged chan struct{}

	history     []*event // ring buffer of the last len(history) events
	maxHistory  int      // the ring grows up to this many events
	histStart   int
	histLen     int
	historyFrom int64 // every event with revision > historyFrom is in history

	// watchers holds every watcher, and filed each one under its
	// watchKey (watchindex.go).
	watchers map[*watcher]struct{}
	filed    map[watchKey]map[*watcher]struct{}
	// index is the field of ResourceConfig.WatchIndex ("" for none).
	index string
	// backlog is how many events a watcher may hold in its overflow
	// before it is terminated (Config.WatchBacklog).
	backlog int

	// unpacked is set by every change (and at first) and cleared when a
	// pack starts (pack.go): a cache with it clear is packed already.
	unpacked bool
}

// initialHistory is the ring's first size: most resources see few events,
// and 10,000 slots for each of some fifty resources were 4 MB of an idle
// server's heap.
const initialHistory = 64

func newCache(history int, index string) *cache {
	return &cache{
		items:      map[string]*entry{},
		revChanged: make(chan struct{}),
		history:    make([]*event, min(history, initialHistory)),
		maxHistory: history,
		watchers:   map[*watcher]struct{}{},
		filed:      map[watchKey]map[*watcher]struct{}{},
		index:      index,
		backlog:    DefaultWatchBacklog,
		unpacked:   true,
	}
}

// replace resets the cache to a listed state at rev, dropping history and
// terminating every watcher (they must re-watch).
func (c *cache) replace(entries []*entry, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unpacked = true
	c.items = make(map[string]*entry, len(entries))
	c.list = make([]*entry, 0, len(entries))
	for _, e := range entries {
		c.items[e.key] = e
		c.list = append(c.list, e)
	}
	sort.Slice(c.list, func(i, j int) bool { return c.list[i].key < c.list[j].key })
	for i := range c.history {
		c.history[i] = nil
	}
	c.histStart, c.histLen = 0, 0
	c.historyFrom = rev
	for w := range c.watchers {
		c.terminateLocked(w)
	}
	c.advanceLocked(rev)
}

// advance moves rev forward (progress notification).
func (c *cache) advance(rev int64) {
	c.mu.Lock()
	c.advanceLocked(rev)
	c.mu.Unlock()
}

func (c *cache) advanceLocked(rev int64) {
	if rev <= c.rev {
		return
	}
	c.rev = rev
	close(c.revChanged)
	c.revChanged = make(chan struct{})
}

// apply records one change, appends it to history and hands it to every
// watcher without blocking (see pushLocked).
func (c *cache) apply(ev *event) {
	c.dispatched.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unpacked = true
	key := ev.cur.key
	_, existed := c.items[key]
	switch {
	case ev.typ == watch.Deleted:
		if existed {
			delete(c.items, key)
			c.removeLocked(key)
		}
	case !existed:
		c.items[key] = ev.cur
		c.insertLocked(ev.cur)
	default:
		c.items[key] = ev.cur
		c.list[c.searchLocked(key)] = ev.cur
	}
	if ev.prev != nil && sameAttrs(ev.prev, ev.cur) {
		ev.prev = ev.cur
	}
	c.appendHistoryLocked(ev)
	c.advanceLocked(ev.rev)
	c.dispatchLocked(ev)
}

// sameAttrs tells whether every watcher decides alike on prev and cur, two
// states of one key: they have the same labels and fields, which with the
// key are all a watcher matches on. Only when a watcher matches one and not the other does it
// need prev itself, the content of the DELETED event it is sent when the
// object leaves its selectors. Otherwise an event keeps cur in its place,
// and the history does not hold the previous version of every object it
// changed: most changes (status writes, which are most writes) keep the
// labels and fields, and the messages of the previous versions were half
// the cache of 10,000 pods.
func sameAttrs(prev, cur *entry) bool {
	return slices.Equal(prev.labels, cur.labels) && prev.fields.equal(&cur.fields)
}

// searchLocked returns the index of the first entry with key >= key.
func (c *cache) searchLocked(key string) int {
	return sort.Search(len(c.list), func(i int) bool { return c.list[i].key >= key })
}

func (c *cache) insertLocked(e *entry) {
	i := c.searchLocked(e.key)
	c.list = slices.Insert(c.list, i, e)
}

func (c *cache) removeLocked(key string) {
	i := c.searchLocked(key)
	if i < len(c.list) && c.list[i].key == key {
		c.list = slices.Delete(c.list, i, i+1) // zeroes the freed slot
	}
}

func (c *cache) appendHistoryLocked(ev *event) {
	n := len(c.history)
	if c.histLen == n && n < c.maxHistory {
		grown := make([]*event, min(2*n, c.maxHistory))
		for i := range c.histLen {
			grown[i] = c.history[(c.histStart+i)%n]
		}
		c.history, c.histStart, n = grown, 0, len(grown)
	}
	if c.histLen == n {
		oldest := c.history[c.histStart]
		c.historyFrom = oldest.rev
		c.history[c.histStart] = ev
		c.histStart = (c.histStart + 1) % n
		return
	}
	c.history[(c.histStart+c.histLen)%n] = ev
	c.histLen++
}

// eventsAfterLocked returns the kept events with revision > rev, oldest first.
func (c *cache) eventsAfterLocked(rev int64) []*event {
	n := len(c.history)
	// Binary search the ring for the first event with revision > rev.
	i := sort.Search(c.histLen, func(i int) bool {
		return c.history[(c.histStart+i)%n].rev > rev
	})
	out := make([]*event, 0, c.histLen-i)
	for ; i < c.histLen; i++ {
		out = append(out, c.history[(c.histStart+i)%n])
	}
	return out
}

// rangeLocked returns the sorted entries whose keys have prefix. The slice
// is only valid while c.mu is held.
func (c *cache) rangeLocked(prefix string) []*entry {
	i := c.searchLocked(prefix)
	j := i + sort.Search(len(c.list)-i, func(k int) bool {
		return !strings.HasPrefix(c.list[i+k].key, prefix)
	})
	return c.list[i:j]
}

// get returns the entry for key and the cache revision.
func (c *cache) get(key string) (*entry, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.items[key], c.rev
}

func (c *cache) count() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return int64(len(c.items))
}

// revision returns the current revision and a channel closed when it moves.
func (c *cache) revision() (int64, <-chan struct{}) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev, c.revChanged
}

func (c *cache) removeWatcher(w *watcher) {
	c.mu.Lock()
	c.terminateLocked(w)
	c.mu.Unlock()
}

// bookmark sends ev to every watcher that wants bookmarks, skipping those
// whose buffer is full or that hold an overflow (a bookmark must not pass
// the events before it).
func (c *cache) bookmark(newEvent func(rev int64) *event) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var ev *event
	for w := range c.watchers {
		if !w.bookmarks || len(w.overflow) > 0 {
			continue
		}
		if ev == nil {
			ev = newEvent(c.rev)
		}
		select {
		case w.in <- ev:
		default:
		}
	}
}
