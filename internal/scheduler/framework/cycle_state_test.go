package framework

import (
	"context"
	"errors"
	"testing"

	v1 "k8s.io/api/core/v1"
)

type intState int

func (s intState) Clone() StateData { return s }

type namedFilter string

func (f namedFilter) Name() string { return string(f) }
func (namedFilter) Filter(context.Context, *CycleState, *v1.Pod, *NodeInfo) *Status {
	return nil
}

// TestCycleStateReadWrite: a write replaces the key's data and keeps the
// others; a missing key is an error naming it; a clone holds copies that
// later writes to the original do not reach.
func TestCycleStateReadWrite(t *testing.T) {
	c := NewCycleState()
	if _, err := c.Read("a"); err == nil || err.Error() != "reading a from cycle state: not found" {
		t.Errorf("Read of a missing key: %v", err)
	}
	c.Write("a", intState(1))
	c.Write("b", intState(2))
	c.Write("a", intState(3))
	for key, want := range map[StateKey]intState{"a": 3, "b": 2} {
		if got, err := c.Read(key); err != nil || got != want {
			t.Errorf("Read(%s) = %v, %v; want %d", key, got, err, want)
		}
	}
	clone := c.Clone()
	c.Write("b", intState(4))
	if got, _ := clone.Read("b"); got != intState(2) {
		t.Errorf("clone's b = %v after the original changed; want 2", got)
	}
}

// TestFiltersToRun: the filters that returned Skip are left out, the
// answer is worked out once (later changes of the skip set do not reach
// it, as PreFilter runs before any filter), and a clone keeps it.
func TestFiltersToRun(t *testing.T) {
	all := []FilterPlugin{namedFilter("a"), namedFilter("b"), namedFilter("c")}
	c := NewCycleState()
	c.SkipFilterPlugins["b"] = true
	names := func(fs []FilterPlugin) (out []string) {
		for _, f := range fs {
			out = append(out, f.Name())
		}
		return out
	}
	if got := names(c.FiltersToRun(all)); len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Errorf("FiltersToRun = %v; want [a c]", got)
	}
	c.SkipFilterPlugins["a"] = true
	if got := names(c.FiltersToRun(all)); len(got) != 2 {
		t.Errorf("FiltersToRun after the first call = %v; want the first answer [a c]", got)
	}
	if got := names(c.Clone().FiltersToRun(all)); len(got) != 2 || got[0] != "a" {
		t.Errorf("clone's FiltersToRun = %v; want [a c]", got)
	}
	var missing *missingStateError
	if _, err := c.Read("x"); !errors.As(err, &missing) {
		t.Errorf("Read(x) error %T; want missingStateError", err)
	}
}
