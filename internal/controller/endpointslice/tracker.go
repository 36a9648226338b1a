package endpointslice

import (
	"strconv"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// tracker remembers the slices this controller wrote for each Service
// until the cache shows them, so a pass on a cache that is behind does not
// create the same slices twice (upstream's endpointSliceTracker). Safe for
// concurrent use.
type tracker struct {
	mu     sync.Mutex
	expect map[string]map[string]string // service -> slice name -> resourceVersion written ("" = deleted)
}

func newTracker() *tracker { return &tracker{expect: map[string]map[string]string{}} }

// wrote records a written (rv != "") or deleted (rv == "") slice.
func (t *tracker) wrote(service, slice, rv string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.expect[service]
	if m == nil {
		m = map[string]string{}
		t.expect[service] = m
	}
	m[slice] = rv
}

// stale reports whether the cached slices of a Service miss a write this
// controller made; once they show them all the record is dropped.
func (t *tracker) stale(service string, cached []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.expect[service]
	if len(m) == 0 {
		return false
	}
	byName := make(map[string]*discoveryv1.EndpointSlice, len(cached))
	for _, s := range cached {
		byName[s.Name] = s
	}
	for name, rv := range m {
		s, ok := byName[name]
		if rv == "" && ok || rv != "" && (!ok || older(s.ResourceVersion, rv)) {
			return true
		}
	}
	delete(t.expect, service)
	return false
}

// forget drops a deleted Service.
func (t *tracker) forget(service string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.expect, service)
}

// older compares resourceVersions, which are etcd revisions here; an
// unparsable one is never older.
func older(have, want string) bool {
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(want, 10, 64)
	return err1 == nil && err2 == nil && h < w
}
