package allocator

import (
	"context"
	"errors"
	"math/rand/v2"
)

// randomProbes is how many random values AllocateNext tries before it lists
// what is taken.
const randomProbes = 3

// band is the half-open range of offsets [lo, hi).
type band struct{ lo, hi int64 }

func (b band) size() int64 { return max(b.hi-b.lo, 0) }

// pool allocates offsets of a range as etcd keys. Offsets are translated to
// the stored value (an IP, a port) by name and back by offset.
type pool struct {
	store
	// dynamic is tried first by next, then static.
	dynamic, static band
	// name gives the stored value of an offset; offset is its inverse and
	// reports false for values outside the range.
	name   func(off int64) string
	offset func(value string) (int64, bool)
	// canon rewrites a value in its stored spelling, in range or not, and
	// reports false for malformed values.
	canon func(value string) (string, bool)
}

// bandsFor splits the offsets [lo, hi) AllocateNext may use into the static
// band (the lowest staticSize offsets of the whole range, starting at
// rangeLo) and the dynamic band above it.
func bandsFor(rangeLo, staticSize, lo, hi int64) (dynamic, static band) {
	split := min(max(rangeLo+staticSize, lo), hi)
	return band{split, hi}, band{lo, split}
}

// staticBandSize is upstream's calculateRangeOffset: size/step, clamped to
// [lowest, highest], and 0 for ranges smaller than lowest.
func staticBandSize(size, lowest, highest, step int64) int64 {
	if size < lowest {
		return 0
	}
	return min(max(size/step, lowest), highest)
}

// next takes a free offset for owner: a few random probes of the dynamic
// band, then a scan of the free offsets of both bands from a random start.
func (p *pool) next(ctx context.Context, owner string) (int64, error) {
	probe := p.dynamic
	if probe.size() == 0 {
		probe = p.static
	}
	for i := int64(0); i < min(randomProbes, probe.size()); i++ {
		off := probe.lo + rand.Int64N(probe.size())
		ok, err := p.create(ctx, p.name(off), owner)
		if err != nil {
			return 0, err
		}
		if ok {
			return off, nil
		}
	}
	kvs, err := p.list(ctx, true)
	if err != nil {
		return 0, err
	}
	used := make(map[int64]bool, len(kvs))
	for _, kv := range kvs {
		if off, ok := p.offset(p.value(kv)); ok {
			used[off] = true
		}
	}
	for _, b := range []band{p.dynamic, p.static} {
		off, err := p.scan(ctx, b, used, owner)
		if !errors.Is(err, ErrFull) {
			return off, err
		}
	}
	return 0, ErrFull
}

// scan tries every offset of b not in used, from a random start, wrapping.
func (p *pool) scan(ctx context.Context, b band, used map[int64]bool, owner string) (int64, error) {
	n := b.size()
	if n == 0 {
		return 0, ErrFull
	}
	start := rand.Int64N(n)
	for i := int64(0); i < n; i++ {
		off := b.lo + (start+i)%n
		if used[off] {
			continue
		}
		ok, err := p.create(ctx, p.name(off), owner)
		if err != nil {
			return 0, err
		}
		if ok {
			return off, nil
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	return 0, ErrFull
}
