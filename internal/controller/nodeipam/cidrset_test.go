package nodeipam

import (
	"errors"
	"net"
	"testing"
)

func mustSet(t *testing.T, cidr string, mask int) *cidrSet {
	t.Helper()
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newCIDRSet(n, mask)
	if err != nil {
		t.Fatalf("newCIDRSet(%s, %d): %v", cidr, mask, err)
	}
	return s
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		mask    int
		occupy  []string
		release []string
		n       int
		want    []string
		wantErr bool
	}{
		{name: "first subnets in order", cluster: "10.42.0.0/16", mask: 24, n: 3,
			want: []string{"10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24"}},
		{name: "skips occupied", cluster: "10.42.0.0/16", mask: 24, occupy: []string{"10.42.0.0/24", "10.42.2.0/24"}, n: 2,
			want: []string{"10.42.1.0/24", "10.42.3.0/24"}},
		{name: "exhausted", cluster: "10.42.0.0/23", mask: 24, n: 3,
			want: []string{"10.42.0.0/24", "10.42.1.0/24"}, wantErr: true},
		{name: "released subnet reused once the others are taken", cluster: "10.42.0.0/23", mask: 24,
			occupy: []string{"10.42.0.0/24", "10.42.1.0/24"}, release: []string{"10.42.0.0/24"}, n: 1,
			want: []string{"10.42.0.0/24"}},
		{name: "mask equal to the cluster prefix", cluster: "10.42.0.0/24", mask: 24, n: 1, want: []string{"10.42.0.0/24"}},
		{name: "ipv6", cluster: "fd00:10::/48", mask: 64, n: 2, want: []string{"fd00:10::/64", "fd00:10:0:1::/64"}},
		{name: "small subnets", cluster: "10.42.0.0/16", mask: 26, n: 2, want: []string{"10.42.0.0/26", "10.42.0.64/26"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSet(t, tt.cluster, tt.mask)
			for _, c := range tt.occupy {
				if err := s.occupy(c); err != nil {
					t.Fatalf("occupy(%s): %v", c, err)
				}
			}
			for _, c := range tt.release {
				if err := s.release(c); err != nil {
					t.Fatalf("release(%s): %v", c, err)
				}
			}
			var got []string
			var err error
			for range tt.n {
				var c string
				if c, err = s.allocate(); err != nil {
					break
				}
				got = append(got, c)
			}
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errCIDRRangeNoCIDRsRemaining)) {
				t.Errorf("allocate error = %v; want error %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("allocated %v; want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("allocation %d = %s; want %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestNeverTheSameCIDRTwice(t *testing.T) {
	s := mustSet(t, "10.42.0.0/20", 24)
	seen := map[string]bool{}
	for i := range 16 {
		c, err := s.allocate()
		if err != nil {
			t.Fatalf("allocate %d: %v", i, err)
		}
		if seen[c] {
			t.Fatalf("allocate %d = %s, already handed out", i, c)
		}
		seen[c] = true
	}
	if c, err := s.allocate(); err == nil {
		t.Errorf("allocate on a full set = %s; want an error", c)
	}
}

func TestOccupyRejects(t *testing.T) {
	tests := []struct{ name, cidr string }{
		{"outside the cluster cidr", "10.43.0.0/24"},
		{"wrong mask", "10.42.0.0/25"},
		{"not a cidr", "10.42.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSet(t, "10.42.0.0/16", 24)
			if err := s.occupy(tt.cidr); err == nil {
				t.Errorf("occupy(%s) = nil; want an error", tt.cidr)
			}
		})
	}
}

func TestNewCIDRSetRejects(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		mask    int
	}{
		{"mask shorter than the cluster prefix", "10.42.0.0/16", 8},
		{"mask longer than the address", "10.42.0.0/16", 33},
		{"too many subnets", "10.0.0.0/8", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, _ := net.ParseCIDR(tt.cluster)
			if _, err := newCIDRSet(n, tt.mask); err == nil {
				t.Errorf("newCIDRSet(%s, %d) = nil error; want one", tt.cluster, tt.mask)
			}
		})
	}
}
