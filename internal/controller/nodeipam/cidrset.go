package nodeipam

import (
	"errors"
	"fmt"
	"math/big"
	"net"
)

// errCIDRRangeNoCIDRsRemaining is returned by allocate when every subnet is
// taken.
var errCIDRRangeNoCIDRsRemaining = errors.New("cidr range: no subnets remaining")

// maxSubnetBits caps how many subnets a cluster CIDR is cut into (2^16), as
// upstream's cidrset does.
const maxSubnetBits = 16

// cidrSet hands out the subnets of one cluster CIDR. It is not safe for
// concurrent use; the reconciler serialises access.
type cidrSet struct {
	base     *big.Int // first address of the cluster CIDR
	bits     int      // address length: 32 or 128
	maskSize int      // prefix length of each subnet
	max      int      // number of subnets
	used     map[int]bool
	next     int // where the round-robin search starts
}

// newCIDRSet cuts cluster into subnets of maskSize bits.
func newCIDRSet(cluster *net.IPNet, maskSize int) (*cidrSet, error) {
	ones, bits := cluster.Mask.Size()
	if maskSize < ones || maskSize > bits {
		return nil, fmt.Errorf("node cidr mask size %d must be between the cluster cidr prefix %d and %d", maskSize, ones, bits)
	}
	if maskSize-ones > maxSubnetBits {
		return nil, fmt.Errorf("node cidr mask size %d is more than %d bits longer than the cluster cidr prefix %d", maskSize, maxSubnetBits, ones)
	}
	ip := cluster.IP.To4()
	if bits == 128 {
		ip = cluster.IP.To16()
	}
	return &cidrSet{
		base: new(big.Int).SetBytes(ip), bits: bits, maskSize: maskSize,
		max: 1 << (maskSize - ones), used: map[int]bool{},
	}, nil
}

// subnet returns the subnet with index i.
func (s *cidrSet) subnet(i int) *net.IPNet {
	off := new(big.Int).Lsh(big.NewInt(int64(i)), uint(s.bits-s.maskSize))
	v := new(big.Int).Add(s.base, off).Bytes()
	ip := make(net.IP, s.bits/8)
	copy(ip[len(ip)-len(v):], v)
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(s.maskSize, s.bits)}
}

// index returns the index of cidr in the set, or an error if cidr is not
// one of its subnets.
func (s *cidrSet) index(cidr string) (int, error) {
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return 0, err
	}
	if ones, bits := n.Mask.Size(); ones != s.maskSize || bits != s.bits {
		return 0, fmt.Errorf("cidr %s does not have the node mask size /%d", cidr, s.maskSize)
	}
	if s.bits == 32 {
		ip = ip.To4()
	} else {
		ip = ip.To16()
	}
	off := new(big.Int).Sub(new(big.Int).SetBytes(ip), s.base)
	off.Rsh(off, uint(s.bits-s.maskSize))
	if off.Sign() < 0 || !off.IsInt64() || off.Int64() >= int64(s.max) {
		return 0, fmt.Errorf("cidr %s is outside the cluster cidr", cidr)
	}
	return int(off.Int64()), nil
}

// allocate takes the next free subnet.
func (s *cidrSet) allocate() (string, error) {
	for k := 0; k < s.max; k++ {
		i := (s.next + k) % s.max
		if !s.used[i] {
			s.used[i] = true
			s.next = (i + 1) % s.max
			return s.subnet(i).String(), nil
		}
	}
	return "", errCIDRRangeNoCIDRsRemaining
}

// occupy marks cidr taken; it fails if cidr is not a subnet of the set.
func (s *cidrSet) occupy(cidr string) error {
	i, err := s.index(cidr)
	if err != nil {
		return err
	}
	s.used[i] = true
	return nil
}

// release frees cidr; freeing a subnet that is not taken is a no-op.
func (s *cidrSet) release(cidr string) error {
	i, err := s.index(cidr)
	if err != nil {
		return err
	}
	delete(s.used, i)
	return nil
}
