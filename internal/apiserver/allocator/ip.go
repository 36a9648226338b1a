package allocator

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// maxIPv4HostBits rejects IPv4 service CIDRs larger than a /12, as
	// upstream does.
	maxIPv4HostBits = 20
	// maxIPRangeSize caps the offsets used in large IPv6 ranges, as upstream's
	// bitmap allocator does.
	maxIPRangeSize = 1 << 16
)

// IPAllocator allocates ClusterIPs from one CIDR. It is safe for concurrent
// use, and several IPAllocators (in several processes) may share a prefix.
type IPAllocator struct {
	pool
	cidr netip.Prefix
	// valid is the range of offsets Allocate accepts.
	valid band
}

// NewIPAllocator returns an allocator for cidr storing one key per IP under
// prefix (e.g. "/registry/skiff/allocations/serviceips"). The network
// address and, for IPv4, the broadcast address are never allocated; the
// first address is left to explicit Allocate (the kubernetes Service).
func NewIPAllocator(client *clientv3.Client, prefix string, cidr *net.IPNet) (*IPAllocator, error) {
	s, err := newStore(client, prefix)
	if err != nil {
		return nil, err
	}
	if cidr == nil {
		return nil, fmt.Errorf("allocator: nil service CIDR")
	}
	addr, ok := netip.AddrFromSlice(cidr.IP)
	ones, bits := cidr.Mask.Size()
	if !ok || bits == 0 {
		return nil, fmt.Errorf("allocator: invalid service CIDR %v", cidr)
	}
	addr = addr.Unmap()
	if addr.Is4() && bits == 128 {
		ones -= 96
	}
	p := netip.PrefixFrom(addr, ones).Masked()
	hostBits := p.Addr().BitLen() - ones
	if p.Addr().Is4() && hostBits > maxIPv4HostBits {
		return nil, fmt.Errorf("allocator: service CIDR %v is too large, the mask must be /%d or longer", p, 32-maxIPv4HostBits)
	}
	size := int64(maxIPRangeSize)
	if hostBits < 16 {
		size = 1 << hostBits
	}
	a := &IPAllocator{cidr: p, valid: band{1, size}}
	if p.Addr().Is4() {
		a.valid.hi = size - 1 // broadcast
	}
	if a.valid.hi <= 2 {
		return nil, fmt.Errorf("allocator: service CIDR %v is too small", p)
	}
	fullSize := int64(1) << min(hostBits, 62)
	a.dynamic, a.static = bandsFor(1, staticBandSize(fullSize, 16, 256, 16), 2, a.valid.hi)
	a.pool.store = s
	a.name = func(off int64) string { return a.addr(off).String() }
	a.offset = a.offsetOf
	a.canon = canonIP
	return a, nil
}

// CIDR returns the range this allocator serves.
func (a *IPAllocator) CIDR() netip.Prefix { return a.cidr }

// Allocate takes ip for owner. It returns an error wrapping ErrNotInRange
// when ip is outside the CIDR or reserved, and ErrAllocated when it is taken,
// whoever the owner.
func (a *IPAllocator) Allocate(ctx context.Context, ip net.IP, owner string) error {
	off, ok := a.offsetOfIP(ip)
	if !ok {
		return fmt.Errorf("%w: %v is not in %v", ErrNotInRange, ip, a.cidr)
	}
	created, err := a.create(ctx, a.name(off), owner)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%w: %v", ErrAllocated, ip)
	}
	return nil
}

// AllocateNext takes a free IP for owner, never the first address of the
// range. It returns ErrFull when none is left.
func (a *IPAllocator) AllocateNext(ctx context.Context, owner string) (net.IP, error) {
	off, err := a.next(ctx, owner)
	if err != nil {
		return nil, err
	}
	return net.IP(a.addr(off).AsSlice()), nil
}

// Release frees ip. Releasing a free or out-of-range IP does nothing.
func (a *IPAllocator) Release(ctx context.Context, ip net.IP) error {
	off, ok := a.offsetOfIP(ip)
	if !ok {
		return nil
	}
	return a.delete(ctx, a.name(off))
}

// Repair reconciles the stored allocations with inUse, a map from IP string
// to owner built from the existing Services' ClusterIPs of this allocator's
// family. Allocations no Service holds are released, missing or mis-owned
// ones are written; see RepairReport and the package documentation for
// when it is safe to call.
func (a *IPAllocator) Repair(ctx context.Context, inUse map[string]string) (RepairReport, error) {
	return a.repair(ctx, inUse)
}

// addr is the IP at offset off from the network address.
func (a *IPAllocator) addr(off int64) netip.Addr {
	base := a.cidr.Addr()
	if base.Is4() {
		b := base.As4()
		binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])+uint32(off))
		return netip.AddrFrom4(b)
	}
	b := base.As16()
	binary.BigEndian.PutUint64(b[8:], binary.BigEndian.Uint64(b[8:])+uint64(off))
	return netip.AddrFrom16(b)
}

func (a *IPAllocator) offsetOfIP(ip net.IP) (int64, bool) {
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return 0, false
	}
	return a.offsetOfAddr(addr.Unmap())
}

func (a *IPAllocator) offsetOf(value string) (int64, bool) {
	addr, err := netip.ParseAddr(value)
	if err != nil {
		return 0, false
	}
	return a.offsetOfAddr(addr.Unmap())
}

// offsetOfAddr is addr's offset in the CIDR, when it is one Allocate accepts.
func (a *IPAllocator) offsetOfAddr(addr netip.Addr) (int64, bool) {
	if !a.cidr.Contains(addr) {
		return 0, false
	}
	var off int64
	if addr.Is4() {
		b, base := addr.As4(), a.cidr.Addr().As4()
		off = int64(binary.BigEndian.Uint32(b[:]) - binary.BigEndian.Uint32(base[:]))
	} else {
		b, base := addr.As16(), a.cidr.Addr().As16()
		if binary.BigEndian.Uint64(b[:8]) != binary.BigEndian.Uint64(base[:8]) {
			return 0, false
		}
		d := binary.BigEndian.Uint64(b[8:]) - binary.BigEndian.Uint64(base[8:])
		if d >= uint64(a.valid.hi) {
			return 0, false
		}
		off = int64(d)
	}
	return off, off >= a.valid.lo && off < a.valid.hi
}

func canonIP(value string) (string, bool) {
	addr, err := netip.ParseAddr(value)
	if err != nil || addr.Zone() != "" {
		return "", false
	}
	return addr.Unmap().String(), true
}
