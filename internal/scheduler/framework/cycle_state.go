package framework

import "sync"

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
	data sync.Map // StateKey -> StateData
	// SkipFilterPlugins and SkipScorePlugins hold plugins that returned Skip.
	SkipFilterPlugins map[string]bool
	SkipScorePlugins  map[string]bool
}

// NewCycleState returns an empty CycleState.
func NewCycleState() *CycleState {
	return &CycleState{SkipFilterPlugins: map[string]bool{}, SkipScorePlugins: map[string]bool{}}
}

// Read returns the data stored under key, or an error naming the key.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	d, ok := c.data.Load(key)
	if !ok {
		return nil, &missingStateError{key}
	}
	return d.(StateData), nil
}

// Write stores data under key.
func (c *CycleState) Write(key StateKey, d StateData) {
	c.data.Store(key, d)
}

// Clone copies c deeply enough for preemption's what-if runs.
func (c *CycleState) Clone() *CycleState {
	n := NewCycleState()
	c.data.Range(func(k, v any) bool {
		n.data.Store(k, v.(StateData).Clone())
		return true
	})
	for k := range c.SkipFilterPlugins {
		n.SkipFilterPlugins[k] = true
	}
	for k := range c.SkipScorePlugins {
		n.SkipScorePlugins[k] = true
	}
	return n
}

type missingStateError struct{ key StateKey }

func (e *missingStateError) Error() string {
	return "reading " + string(e.key) + " from cycle state: not found"
}
