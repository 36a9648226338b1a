package allocator

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// RepairReport says what Repair changed. Values are in their stored
// spelling (an IP string, a decimal port).
type RepairReport struct {
	// Released are allocations no Service holds (leaked by a crash between
	// allocation and the Service write); they were deleted.
	Released []string
	// Restored are values Services hold whose allocation was missing or named
	// another owner; they now name the Service's owner.
	Restored []string
	// Skipped are in-use values that are malformed or outside the range;
	// nothing was stored for them. Their Services need a new value.
	Skipped []string
}

// repair makes the stored allocations match inUse (value -> owner): it
// deletes allocations whose value is not in use, rewrites owners that differ,
// and creates allocations for in-use values that have none. Deletes and
// rewrites only apply if the key is unchanged since it was read, so an
// allocation made meanwhile is never clobbered. It goes on past errors and
// returns them joined.
func (p *pool) repair(ctx context.Context, inUse map[string]string) (RepairReport, error) {
	var rep RepairReport
	want := make(map[string]string, len(inUse))
	for v, owner := range inUse {
		c, ok := p.canon(v)
		if !ok {
			rep.Skipped = append(rep.Skipped, v)
			continue
		}
		want[c] = owner
	}
	kvs, err := p.list(ctx, false)
	if err != nil {
		return rep, err
	}
	var errs []error
	stored := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		v := p.value(kv)
		stored[v] = true
		owner, used := want[v]
		switch {
		case !used:
			ok, err := p.deleteIfUnchanged(ctx, kv)
			errs = append(errs, err)
			if ok {
				rep.Released = append(rep.Released, v)
			}
		case string(kv.Value) != owner:
			ok, err := p.putIfUnchanged(ctx, kv, owner)
			errs = append(errs, err)
			if ok {
				rep.Restored = append(rep.Restored, v)
			}
		}
	}
	for v, owner := range want {
		if stored[v] {
			continue
		}
		if _, ok := p.offset(v); !ok {
			rep.Skipped = append(rep.Skipped, v)
			continue
		}
		ok, err := p.create(ctx, v, owner)
		errs = append(errs, err)
		switch {
		case ok:
			rep.Restored = append(rep.Restored, v)
		case err == nil:
			errs = append(errs, fmt.Errorf("allocator: %s in use by %s was allocated to another owner during repair", v, owner))
		}
	}
	for _, s := range [][]string{rep.Released, rep.Restored, rep.Skipped} {
		slices.Sort(s)
	}
	return rep, errors.Join(errs...)
}
