package allocator

import (
	"context"
	"fmt"
	"net"
	"slices"
)

// A dry run allocates nothing, and fills in what it would have allocated
// the way upstream's dry-run allocators do, so that `kubectl create
// --dry-run=server` and `kubectl diff` show a Service as upstream shows it:
//
//   - a cluster IP asked for is checked against the range only (whether it
//     is free is not checked: upstream finds that racy and not worth it),
//     and one left out reads as the range's network address;
//   - a node port asked for is refused when taken (a port outside the range
//     passes, as upstream's Has says false for it), and one left out reads
//     as a dummy from 32769 up, one past the highest this Service already
//     holds (portallocator's PortAllocationOperation).
type dryRunPorts struct {
	ports *PortAllocator
	taken []int // the ports this Service's dry run has handed out
}

// allocate takes port for the dry run, or says why a real run would not.
func (d *dryRunPorts) allocate(ctx context.Context, port int) error {
	has, err := d.ports.Has(ctx, port)
	if err != nil {
		return err
	}
	if has || slices.Contains(d.taken, port) {
		return fmt.Errorf("%w: %d", ErrAllocated, port)
	}
	d.taken = append(d.taken, port)
	return nil
}

// next returns the dummy port a dry run shows for a port left out.
func (d *dryRunPorts) next() int {
	port := 32769
	if len(d.taken) > 0 {
		port = slices.Max(d.taken) + 1
	}
	d.taken = append(d.taken, port)
	return port
}

// dryRunClusterIP fills or checks a Service's first cluster IP without
// allocating it.
func (s *Services) dryRunClusterIP(ip net.IP) (net.IP, error) {
	if ip == nil {
		return net.IP(s.IPs.CIDR().Masked().Addr().AsSlice()), nil
	}
	if _, ok := s.IPs.offsetOfIP(ip); !ok {
		return nil, fmt.Errorf("%w: %v is not in %v", ErrNotInRange, ip, s.IPs.CIDR())
	}
	return ip, nil
}
