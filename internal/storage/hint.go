package storage

import (
	"bytes"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// writeHints carry what a write of this server already knows about the
// value it stores, its selector attributes, to the reflector that sees the
// value come back from etcd, so that the reflector need not decode the
// whole object again only to compute them (a pod's decode was most of a
// cache entry's cost). A hint is used only for the exact plain bytes it
// was made for: a value another server wrote, or a later write of the same
// key, is decoded as before.
type writeHints struct {
	mu sync.Mutex
	m  map[string]writeHint
}

type writeHint struct {
	plain []byte
	entryAttrs
}

// entryAttrs are what a cache entry keeps for selectors: the namespace and
// the label and field sets.
type entryAttrs struct {
	ns     string
	labels attrs
	fields fieldAttrs
}

// selectorAttrs computes obj's entryAttrs.
func (r *Resource) selectorAttrs(obj runtime.Object) (entryAttrs, error) {
	ls, fs, err := r.rc.Attrs(obj)
	if err != nil {
		return entryAttrs{}, err
	}
	a := entryAttrs{labels: compactAttrs(ls), fields: compactFields(fs, &r.fieldKeys)}
	if acc, err := meta.Accessor(obj); err == nil {
		a.ns = acc.GetNamespace()
	}
	return a, nil
}

// maxWriteHints bounds the hints of writes the reflector never saw (it
// relisted meanwhile); when full they are dropped.
const maxWriteHints = 4096

// hint records the attributes of obj, about to be stored under key as
// plain. It returns false if they cannot be computed; the reflector will
// then decode the value and report why.
func (r *Resource) hint(key string, plain []byte, obj runtime.Object) bool {
	if r.cache == nil {
		return false // no reflector would take it
	}
	a, err := r.selectorAttrs(obj)
	if err != nil {
		return false
	}
	h := writeHint{plain: plain, entryAttrs: a}
	w := &r.hints
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil || len(w.m) >= maxWriteHints {
		w.m = make(map[string]writeHint)
	}
	w.m[key] = h
	return true
}

// unhint drops the hint for plain under key: its write failed.
func (r *Resource) unhint(key string, plain []byte) {
	w := &r.hints
	w.mu.Lock()
	defer w.mu.Unlock()
	if h, ok := w.m[key]; ok && bytes.Equal(h.plain, plain) {
		delete(w.m, key)
	}
}

// takeHint returns and drops the attributes hinted for the plain value
// under key.
func (r *Resource) takeHint(key string, plain []byte) (entryAttrs, bool) {
	w := &r.hints
	w.mu.Lock()
	defer w.mu.Unlock()
	h, ok := w.m[key]
	if !ok || !bytes.Equal(h.plain, plain) {
		return entryAttrs{}, false
	}
	delete(w.m, key)
	return h.entryAttrs, true
}
