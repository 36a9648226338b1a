package framework

import (
	"sync"
	"sync/atomic"
)

// StateKey names a plugin's data in CycleState.
type StateKey string

// StateData is what plugins keep in CycleState.
type StateData interface {
	Clone() StateData
}

// CycleState is scratch space for one scheduling attempt. It is safe for
// concurrent use (filters and scores run in parallel); reads take no lock,
// so filter workers reading it for every node do not contend.
type CycleState struct {
	// data holds the entries, replaced whole on each Write (a cycle
	// writes a handful, in its single-goroutine stages, and reads them
	// for every node): a read is an atomic load and a scan of a few keys.
	data atomic.Pointer[[]stateEntry]
	mu   sync.Mutex // serializes Writes
	// SkipFilterPlugins and SkipScorePlugins hold plugins that returned Skip.
	SkipFilterPlugins map[string]bool
	SkipScorePlugins  map[string]bool
	// filters is FiltersToRun's answer, worked out once per state.
	filters atomic.Pointer[[]FilterPlugin]
}

type stateEntry struct {
	key  StateKey
	data StateData
}

// NewCycleState returns an empty CycleState.
func NewCycleState() *CycleState {
	return &CycleState{SkipFilterPlugins: map[string]bool{}, SkipScorePlugins: map[string]bool{}}
}

// Read returns the data stored under key, or an error naming the key.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	if p := c.data.Load(); p != nil {
		for _, e := range *p {
			if e.key == key {
				return e.data, nil
			}
		}
	}
	return nil, &missingStateError{key}
}

// Write stores data under key.
func (c *CycleState) Write(key StateKey, d StateData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var old []stateEntry
	if p := c.data.Load(); p != nil {
		old = *p
	}
	next := make([]stateEntry, 0, len(old)+1)
	for _, e := range old {
		if e.key != key {
			next = append(next, e)
		}
	}
	next = append(next, stateEntry{key, d})
	c.data.Store(&next)
}

// FiltersToRun returns the plugins of all (a profile's filters) that did
// not return Skip from PreFilter. The first call works it out and later
// ones reuse it, so a node's filtering looks up no plugin names; call it
// only once PreFilter has run.
func (c *CycleState) FiltersToRun(all []FilterPlugin) []FilterPlugin {
	if p := c.filters.Load(); p != nil {
		return *p
	}
	run := make([]FilterPlugin, 0, len(all))
	for _, pl := range all {
		if !c.SkipFilterPlugins[pl.Name()] {
			run = append(run, pl)
		}
	}
	c.filters.Store(&run)
	return run
}

// Clone copies c deeply enough for preemption's what-if runs.
func (c *CycleState) Clone() *CycleState {
	n := NewCycleState()
	if p := c.data.Load(); p != nil {
		entries := make([]stateEntry, len(*p))
		for i, e := range *p {
			entries[i] = stateEntry{e.key, e.data.Clone()}
		}
		n.data.Store(&entries)
	}
	for k := range c.SkipFilterPlugins {
		n.SkipFilterPlugins[k] = true
	}
	for k := range c.SkipScorePlugins {
		n.SkipScorePlugins[k] = true
	}
	n.filters.Store(c.filters.Load())
	return n
}

type missingStateError struct{ key StateKey }

func (e *missingStateError) Error() string {
	return "reading " + string(e.key) + " from cycle state: not found"
}
