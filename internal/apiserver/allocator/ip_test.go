package allocator

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
)

func mustCIDR(t *testing.T, s string) *net.IPNet {
	t.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func newIPs(t *testing.T, prefix, cidr string) *IPAllocator {
	t.Helper()
	a, err := NewIPAllocator(newClient(t), prefix, mustCIDR(t, cidr))
	if err != nil {
		t.Fatalf("NewIPAllocator(%s) = %v", cidr, err)
	}
	return a
}

func TestNewIPAllocatorRejects(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name   string
		prefix string
		cidr   *net.IPNet
	}{
		{name: "nil cidr", prefix: "/p"},
		{name: "empty prefix", cidr: mustCIDR(t, "10.43.0.0/24")},
		{name: "ipv4 /31 too small", prefix: "/p", cidr: mustCIDR(t, "10.43.0.0/31")},
		{name: "ipv4 /8 too large", prefix: "/p", cidr: mustCIDR(t, "10.0.0.0/8")},
		{name: "ipv6 /127 too small", prefix: "/p", cidr: mustCIDR(t, "fd00::/127")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewIPAllocator(c, tt.prefix, tt.cidr); err == nil {
				t.Errorf("NewIPAllocator(%q, %v) = nil error; want an error", tt.prefix, tt.cidr)
			}
		})
	}
}

// TestIPAllocateNextConcurrent runs 200 AllocateNext calls spread over two
// allocators with their own etcd clients (two API servers), then fills the
// range.
func TestIPAllocateNextConcurrent(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	servers := []*IPAllocator{newIPs(t, prefix, "10.43.0.0/24"), newIPs(t, prefix, "10.43.0.0/24")}
	const n = 200
	got := make([]net.IP, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = servers[i%2].AllocateNext(ctx, fmt.Sprintf("default/svc-%d", i))
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ip := range got {
		if errs[i] != nil {
			t.Fatalf("AllocateNext #%d = %v", i, errs[i])
		}
		if seen[ip.String()] {
			t.Errorf("AllocateNext #%d = %v; handed out twice", i, ip)
		}
		seen[ip.String()] = true
		// 238 free addresses in the dynamic band (.17-.254) cover all 200.
		if last := ip.To4()[3]; last < 17 || last == 255 {
			t.Errorf("AllocateNext #%d = %v; want an address in the dynamic band .17-.254", i, ip)
		}
	}
	if got := len(stored(t, servers[0].client, prefix)); got != n {
		t.Errorf("stored allocations = %d; want %d", got, n)
	}
	// 254 usable, .1 reserved for the kubernetes service: 53 more fit.
	for i := range 53 {
		ip, err := servers[i%2].AllocateNext(ctx, "default/fill")
		if err != nil {
			t.Fatalf("fill AllocateNext #%d = %v; want success", i, err)
		}
		if seen[ip.String()] || ip.Equal(net.ParseIP("10.43.0.1")) {
			t.Fatalf("fill AllocateNext #%d = %v; want a fresh address other than .1", i, ip)
		}
		seen[ip.String()] = true
	}
	if ip, err := servers[0].AllocateNext(ctx, "default/late"); !errors.Is(err, ErrFull) {
		t.Errorf("AllocateNext on a full range = %v, %v; want ErrFull", ip, err)
	}
	// .1 is still there for the kubernetes service.
	if err := servers[1].Allocate(ctx, net.ParseIP("10.43.0.1"), "default/kubernetes"); err != nil {
		t.Errorf("Allocate(10.43.0.1) on a range full for AllocateNext = %v; want nil", err)
	}
}

func TestIPAllocate(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	a := newIPs(t, prefix, "10.43.0.0/24")
	if err := a.Allocate(ctx, net.ParseIP("10.43.0.10"), "default/taken"); err != nil {
		t.Fatalf("Allocate(10.43.0.10) = %v", err)
	}
	tests := []struct {
		name    string
		ip      string
		owner   string
		wantErr error
	}{
		{name: "free address", ip: "10.43.0.11", owner: "default/b"},
		{name: "kubernetes service address", ip: "10.43.0.1", owner: "default/kubernetes"},
		{name: "last usable address", ip: "10.43.0.254", owner: "default/c"},
		{name: "taken by another owner", ip: "10.43.0.10", owner: "default/other", wantErr: ErrAllocated},
		{name: "taken by the same owner", ip: "10.43.0.10", owner: "default/taken", wantErr: ErrAllocated},
		{name: "network address", ip: "10.43.0.0", owner: "default/d", wantErr: ErrNotInRange},
		{name: "broadcast address", ip: "10.43.0.255", owner: "default/d", wantErr: ErrNotInRange},
		{name: "outside the cidr", ip: "10.44.0.10", owner: "default/d", wantErr: ErrNotInRange},
		{name: "other family", ip: "fd00::10", owner: "default/d", wantErr: ErrNotInRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Allocate(ctx, net.ParseIP(tt.ip), tt.owner)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Allocate(%s, %q) = %v; want %v", tt.ip, tt.owner, err, tt.wantErr)
			}
		})
	}
	want := map[string]string{
		"10.43.0.10": "default/taken", "10.43.0.11": "default/b",
		"10.43.0.1": "default/kubernetes", "10.43.0.254": "default/c",
	}
	got := stored(t, a.client, prefix)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored allocations = %v; want %v", got, want)
	}
}

func TestIPReleaseAndReuse(t *testing.T) {
	ctx := testContext(t)
	a := newIPs(t, testPrefix(t), "10.43.0.0/29") // .2-.6 for AllocateNext
	var ips []net.IP
	for i := range 5 {
		ip, err := a.AllocateNext(ctx, fmt.Sprintf("default/s%d", i))
		if err != nil {
			t.Fatalf("AllocateNext #%d = %v", i, err)
		}
		ips = append(ips, ip)
	}
	if ip, err := a.AllocateNext(ctx, "default/full"); !errors.Is(err, ErrFull) {
		t.Fatalf("AllocateNext on a full /29 = %v, %v; want ErrFull", ip, err)
	}
	if err := a.Release(ctx, ips[2]); err != nil {
		t.Fatalf("Release(%v) = %v", ips[2], err)
	}
	got, err := a.AllocateNext(ctx, "default/again")
	if err != nil || !got.Equal(ips[2]) {
		t.Errorf("AllocateNext after Release(%v) = %v, %v; want %v", ips[2], got, err, ips[2])
	}
	if err := a.Release(ctx, ips[2]); err != nil {
		t.Fatalf("Release(%v) = %v", ips[2], err)
	}
	if err := a.Allocate(ctx, ips[2], "default/specific"); err != nil {
		t.Errorf("Allocate(%v) after Release = %v; want nil", ips[2], err)
	}
	for _, ip := range []string{"10.43.0.1", "10.99.0.1"} {
		if err := a.Release(ctx, net.ParseIP(ip)); err != nil {
			t.Errorf("Release(%s) of a free or foreign address = %v; want nil", ip, err)
		}
	}
}

func TestIPv6(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	a := newIPs(t, prefix, "fd00:43::/120")
	tests := []struct {
		name    string
		ip      string
		wantErr error
	}{
		{name: "network address", ip: "fd00:43::", wantErr: ErrNotInRange},
		{name: "last address is usable", ip: "fd00:43::ff"},
		{name: "kubernetes service address", ip: "fd00:43::1"},
		{name: "outside", ip: "fd00:43::1:0", wantErr: ErrNotInRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.Allocate(ctx, net.ParseIP(tt.ip), "default/x"); !errors.Is(err, tt.wantErr) {
				t.Errorf("Allocate(%s) = %v; want %v", tt.ip, err, tt.wantErr)
			}
		})
	}
	ip, err := a.AllocateNext(ctx, "default/next")
	if err != nil {
		t.Fatalf("AllocateNext = %v", err)
	}
	addr, _ := netip.AddrFromSlice(ip)
	if !a.CIDR().Contains(addr) || addr == netip.MustParseAddr("fd00:43::1") || addr == netip.MustParseAddr("fd00:43::") {
		t.Errorf("AllocateNext = %v; want an address of %v other than the first two", ip, a.CIDR())
	}
	if _, ok := stored(t, a.client, prefix)[addr.String()]; !ok {
		t.Errorf("no key for %v under %s", addr, prefix)
	}
}

func TestStaticBandSize(t *testing.T) {
	tests := []struct {
		name                     string
		size, lo, hi, step, want int64
	}{
		{name: "ipv4 /28 smaller than a band", size: 16, lo: 16, hi: 256, step: 16, want: 16},
		{name: "ipv4 /29 tiny", size: 8, lo: 16, hi: 256, step: 16, want: 0},
		{name: "ipv4 /24", size: 256, lo: 16, hi: 256, step: 16, want: 16},
		{name: "ipv4 /20", size: 4096, lo: 16, hi: 256, step: 16, want: 256},
		{name: "ipv4 /16 capped", size: 65536, lo: 16, hi: 256, step: 16, want: 256},
		{name: "nodeports default", size: 2768, lo: 16, hi: 128, step: 32, want: 86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staticBandSize(tt.size, tt.lo, tt.hi, tt.step); got != tt.want {
				t.Errorf("staticBandSize(%d, %d, %d, %d) = %d; want %d", tt.size, tt.lo, tt.hi, tt.step, got, tt.want)
			}
		})
	}
}
