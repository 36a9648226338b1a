package storage

import "strings"

// A cache files each watcher under one watchKey, so that an event is handed
// only to the watchers that may match it, as upstream's cacher files its
// watchers by trigger value and by scope:
//
//   - a watcher whose field selector requires one value of the resource's
//     WatchIndex field (pods: spec.nodeName=<node>, every kubelet's pod
//     watch) is filed under that value, and gets the events of objects that
//     have it before or after the change;
//   - any other watcher is filed under the namespace and name it is limited
//     to, by the request's namespace or a metadata.namespace field selector,
//     and by a metadata.name field selector ("" for any), and gets the
//     events of objects in that scope.
//
// Each watcher's own selectors still decide what it sends; filing only
// spares the others an event they would drop.
type watchKey struct {
	indexed  bool
	value    string // the index field's value, when indexed
	ns, name string // the scope, when not indexed
}

// keyOf is where the cache files w.
func (c *cache) keyOf(w *watcher) watchKey {
	f := w.pred.field
	if f == nil {
		return watchKey{ns: w.ns}
	}
	if c.index != "" {
		if v, ok := f.RequiresExactMatch(c.index); ok {
			return watchKey{indexed: true, value: v}
		}
	}
	k := watchKey{ns: w.ns}
	if k.ns == "" {
		k.ns, _ = f.RequiresExactMatch("metadata.namespace")
	}
	k.name, _ = f.RequiresExactMatch("metadata.name")
	return k
}

// addWatcherLocked adds w and files it.
func (c *cache) addWatcherLocked(w *watcher) {
	c.watchers[w] = struct{}{}
	w.key = c.keyOf(w)
	ws := c.filed[w.key]
	if ws == nil {
		ws = map[*watcher]struct{}{}
		c.filed[w.key] = ws
	}
	ws[w] = struct{}{}
}

// terminateLocked removes w, drops its overflow and closes its input, which
// ends its goroutine.
func (c *cache) terminateLocked(w *watcher) {
	if _, ok := c.watchers[w]; !ok {
		return
	}
	delete(c.watchers, w)
	if ws := c.filed[w.key]; ws != nil {
		delete(ws, w)
		if len(ws) == 0 {
			delete(c.filed, w.key)
		}
	}
	w.overflow = nil
	close(w.in)
}

// dispatchLocked hands ev to the watchers filed where its object is, before
// and after the change. The keys it visits are distinct and each watcher is
// filed under one, so none gets ev twice.
func (c *cache) dispatchLocked(ev *event) {
	e := ev.cur
	name := e.key[strings.LastIndexByte(e.key, '/')+1:]
	c.sendLocked(ev, watchKey{})
	c.sendLocked(ev, watchKey{name: name})
	if e.ns != "" {
		c.sendLocked(ev, watchKey{ns: e.ns})
		c.sendLocked(ev, watchKey{ns: e.ns, name: name})
	}
	if c.index == "" {
		return
	}
	v := e.fields.Get(c.index)
	c.sendLocked(ev, watchKey{indexed: true, value: v})
	if ev.prev != nil {
		if pv := ev.prev.fields.Get(c.index); pv != v {
			c.sendLocked(ev, watchKey{indexed: true, value: pv})
		}
	}
}

// sendLocked hands ev to the watchers filed under k (pushLocked).
func (c *cache) sendLocked(ev *event, k watchKey) {
	for w := range c.filed[k] {
		c.pushLocked(w, ev)
	}
}
