package storage

import (
	"sort"
	"sync/atomic"
)

// attrs is a cache entry's selector attributes (its labels, or its
// selectable fields) in a compact, read-only form: keys and values
// alternate, sorted by key. A map of ten fields costs about a kilobyte per
// object; this costs the strings and one slice. It implements both
// labels.Labels and fields.Fields.
type attrs []string

func compactAttrs(m map[string]string) attrs {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	a := make(attrs, 0, 2*len(keys))
	for _, k := range keys {
		a = append(a, k, m[k])
	}
	return a
}

// Lookup returns the value of key and whether it is set.
func (a attrs) Lookup(key string) (string, bool) {
	n := len(a) / 2
	i := sort.Search(n, func(i int) bool { return a[2*i] >= key })
	if i < n && a[2*i] == key {
		return a[2*i+1], true
	}
	return "", false
}

// Has tells whether key is set.
func (a attrs) Has(key string) bool {
	_, ok := a.Lookup(key)
	return ok
}

// Get returns the value of key, or "" when it is not set.
func (a attrs) Get(key string) string {
	v, _ := a.Lookup(key)
	return v
}

// fieldKeys are the sorted names of a resource's selectable fields. Every
// object of a kind has the same set, so one fieldKeys serves every entry
// of a resource and an entry keeps only the values.
type fieldKeys struct {
	names []string
}

// covers tells whether m has exactly these keys.
func (k *fieldKeys) covers(m map[string]string) bool {
	if len(m) != len(k.names) {
		return false
	}
	for _, n := range k.names {
		if _, ok := m[n]; !ok {
			return false
		}
	}
	return true
}

// fieldAttrs is a cache entry's selectable fields: the values, in the
// order of keys, which are shared. A pod's ten fields cost ten strings
// instead of twenty; an event's eighteen, eighteen instead of thirty-six.
// It implements fields.Fields (through a pointer, so that matching does
// not allocate).
type fieldAttrs struct {
	keys *fieldKeys
	vals []string
}

// compactFields is m as fieldAttrs, with the keys of *shared when they are
// m's (else a new set of keys, which becomes the shared one).
func compactFields(m map[string]string, shared *atomic.Pointer[fieldKeys]) fieldAttrs {
	if len(m) == 0 {
		return fieldAttrs{}
	}
	k := shared.Load()
	if k == nil || !k.covers(m) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		k = &fieldKeys{names: names}
		shared.Store(k)
	}
	vals := make([]string, len(k.names))
	for i, n := range k.names {
		vals[i] = m[n]
	}
	return fieldAttrs{keys: k, vals: vals}
}

// Lookup returns the value of key and whether it is set.
func (f *fieldAttrs) Lookup(key string) (string, bool) {
	if f.keys == nil {
		return "", false
	}
	names := f.keys.names
	i := sort.SearchStrings(names, key)
	if i < len(names) && names[i] == key {
		return f.vals[i], true
	}
	return "", false
}

// Has tells whether key is set.
func (f *fieldAttrs) Has(key string) bool {
	_, ok := f.Lookup(key)
	return ok
}

// Get returns the value of key, or "" when it is not set.
func (f *fieldAttrs) Get(key string) string {
	v, _ := f.Lookup(key)
	return v
}

// equal tells whether f and g hold the same fields.
func (f *fieldAttrs) equal(g *fieldAttrs) bool {
	if len(f.vals) != len(g.vals) {
		return false
	}
	for i, v := range f.vals {
		if f.keys.names[i] != g.keys.names[i] || v != g.vals[i] {
			return false
		}
	}
	return true
}
