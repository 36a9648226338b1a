package allocator

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// PortRange is an inclusive range of ports.
type PortRange struct{ Min, Max int }

// DefaultPortRange is the upstream NodePort range.
var DefaultPortRange = PortRange{Min: 30000, Max: 32767}

// String formats r as "min-max", the form ParsePortRange reads.
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// Contains reports whether port is in r.
func (r PortRange) Contains(port int) bool { return port >= r.Min && port <= r.Max }

// ParsePortRange reads "min-max" or a single port.
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	var r PortRange
	var err1, err2 error
	r.Min, err1 = strconv.Atoi(strings.TrimSpace(lo))
	r.Max, err2 = strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return PortRange{}, fmt.Errorf("invalid port range %q", s)
	}
	return r, r.validate()
}

func (r PortRange) validate() error {
	if r.Min < 1 || r.Max > 65535 || r.Min > r.Max {
		return fmt.Errorf("invalid port range %d-%d", r.Min, r.Max)
	}
	return nil
}

// PortAllocator allocates NodePorts from one range. It is safe for
// concurrent use, and several PortAllocators (in several processes) may
// share a prefix.
type PortAllocator struct {
	pool
	r PortRange
}

// NewPortAllocator returns an allocator for r (DefaultPortRange when zero)
// storing one key per port under prefix (e.g.
// "/registry/skiff/allocations/servicenodeports").
func NewPortAllocator(client *clientv3.Client, prefix string, r PortRange) (*PortAllocator, error) {
	s, err := newStore(client, prefix)
	if err != nil {
		return nil, err
	}
	if r == (PortRange{}) {
		r = DefaultPortRange
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("allocator: %w", err)
	}
	size := int64(r.Max - r.Min + 1)
	a := &PortAllocator{r: r}
	a.dynamic, a.static = bandsFor(0, staticBandSize(size, 16, 128, 32), 0, size)
	a.pool.store = s
	a.name = func(off int64) string { return strconv.FormatInt(int64(r.Min)+off, 10) }
	a.offset = func(value string) (int64, bool) {
		p, err := strconv.Atoi(value)
		if err != nil || !r.Contains(p) {
			return 0, false
		}
		return int64(p - r.Min), true
	}
	a.canon = canonPort
	return a, nil
}

// Range returns the range this allocator serves.
func (a *PortAllocator) Range() PortRange { return a.r }

// Allocate takes port for owner. It returns an error wrapping ErrNotInRange
// when port is outside the range, and ErrAllocated when it is taken, whoever
// the owner.
func (a *PortAllocator) Allocate(ctx context.Context, port int, owner string) error {
	if !a.r.Contains(port) {
		return fmt.Errorf("%w: %d is not in %v", ErrNotInRange, port, a.r)
	}
	created, err := a.create(ctx, strconv.Itoa(port), owner)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%w: %d", ErrAllocated, port)
	}
	return nil
}

// AllocateNext takes a free port for owner. It returns ErrFull when none is
// left.
func (a *PortAllocator) AllocateNext(ctx context.Context, owner string) (int, error) {
	off, err := a.next(ctx, owner)
	if err != nil {
		return 0, err
	}
	return a.r.Min + int(off), nil
}

// Has reports whether port is taken; a port outside the range is not.
func (a *PortAllocator) Has(ctx context.Context, port int) (bool, error) {
	if !a.r.Contains(port) {
		return false, nil
	}
	return a.exists(ctx, strconv.Itoa(port))
}

// Release frees port. Releasing a free or out-of-range port does nothing.
func (a *PortAllocator) Release(ctx context.Context, port int) error {
	if !a.r.Contains(port) {
		return nil
	}
	return a.delete(ctx, strconv.Itoa(port))
}

// Repair reconciles the stored allocations with inUse, a map from port
// number (decimal) to owner built from the existing Services' NodePorts.
// Allocations no Service holds are released, missing or mis-owned ones are
// written; see RepairReport and the package documentation for when it is
// safe to call.
func (a *PortAllocator) Repair(ctx context.Context, inUse map[string]string) (RepairReport, error) {
	return a.repair(ctx, inUse)
}

func canonPort(value string) (string, bool) {
	p, err := strconv.Atoi(value)
	if err != nil || p < 1 || p > 65535 {
		return "", false
	}
	return strconv.Itoa(p), true
}
