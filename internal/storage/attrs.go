package storage

import "sort"

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
