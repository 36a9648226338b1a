package allocator

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

func newPorts(t *testing.T, prefix string, r PortRange) *PortAllocator {
	t.Helper()
	a, err := NewPortAllocator(newClient(t), prefix, r)
	if err != nil {
		t.Fatalf("NewPortAllocator(%v) = %v", r, err)
	}
	return a
}

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr bool
	}{
		{in: "30000-32767", want: PortRange{30000, 32767}},
		{in: " 8000 - 8100 ", want: PortRange{8000, 8100}},
		{in: "31000", want: PortRange{31000, 31000}},
		{in: "32767-30000", wantErr: true},
		{in: "0-100", wantErr: true},
		{in: "30000-70000", wantErr: true},
		{in: "a-b", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Errorf("ParsePortRange(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNewPortAllocatorDefaultRange(t *testing.T) {
	prefix := testPrefix(t)
	a := newPorts(t, prefix, PortRange{})
	if got := a.Range(); got != DefaultPortRange {
		t.Errorf("Range() of a zero PortRange = %v; want %v", got, DefaultPortRange)
	}
	if _, err := NewPortAllocator(a.client, prefix, PortRange{Min: 200, Max: 100}); err == nil {
		t.Errorf("NewPortAllocator(200-100) = nil error; want an error")
	}
}

// TestPortAllocateNextConcurrent mirrors the IP test on a 250-port range
// shared by two allocators with their own clients.
func TestPortAllocateNextConcurrent(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	r := PortRange{Min: 30000, Max: 30249} // static band 30000-30015
	servers := []*PortAllocator{newPorts(t, prefix, r), newPorts(t, prefix, r)}
	const n = 200
	got := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = servers[i%2].AllocateNext(ctx, fmt.Sprintf("default/svc-%d/TCP", i))
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, p := range got {
		if errs[i] != nil {
			t.Fatalf("AllocateNext #%d = %v", i, errs[i])
		}
		if seen[p] {
			t.Errorf("AllocateNext #%d = %d; handed out twice", i, p)
		}
		seen[p] = true
		if p < 30016 || p > 30249 {
			t.Errorf("AllocateNext #%d = %d; want a port in the dynamic band 30016-30249", i, p)
		}
	}
	for i := range 50 {
		p, err := servers[i%2].AllocateNext(ctx, "default/fill/TCP")
		if err != nil || seen[p] {
			t.Fatalf("fill AllocateNext #%d = %d, %v; want a fresh port", i, p, err)
		}
		seen[p] = true
	}
	if p, err := servers[0].AllocateNext(ctx, "default/late/TCP"); !errors.Is(err, ErrFull) {
		t.Errorf("AllocateNext on a full range = %d, %v; want ErrFull", p, err)
	}
	if err := servers[1].Release(ctx, 30100); err != nil {
		t.Fatalf("Release(30100) = %v", err)
	}
	if p, err := servers[0].AllocateNext(ctx, "default/again/TCP"); err != nil || p != 30100 {
		t.Errorf("AllocateNext after Release(30100) = %d, %v; want 30100", p, err)
	}
}

func TestPortAllocate(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	a := newPorts(t, prefix, DefaultPortRange)
	if err := a.Allocate(ctx, 30080, "default/web/TCP"); err != nil {
		t.Fatalf("Allocate(30080) = %v", err)
	}
	tests := []struct {
		name    string
		port    int
		wantErr error
	}{
		{name: "free port", port: 30081},
		{name: "lowest port", port: 30000},
		{name: "highest port", port: 32767},
		{name: "taken", port: 30080, wantErr: ErrAllocated},
		{name: "below range", port: 29999, wantErr: ErrNotInRange},
		{name: "above range", port: 32768, wantErr: ErrNotInRange},
		{name: "zero", port: 0, wantErr: ErrNotInRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.Allocate(ctx, tt.port, "default/x/UDP"); !errors.Is(err, tt.wantErr) {
				t.Errorf("Allocate(%d) = %v; want %v", tt.port, err, tt.wantErr)
			}
		})
	}
	if got := stored(t, a.client, prefix)["30080"]; got != "default/web/TCP" {
		t.Errorf("owner stored for 30080 = %q; want %q", got, "default/web/TCP")
	}
	for _, p := range []int{30080, 30080, 80} {
		if err := a.Release(ctx, p); err != nil {
			t.Errorf("Release(%d) = %v; want nil", p, err)
		}
	}
	if _, ok := stored(t, a.client, prefix)[strconv.Itoa(30080)]; ok {
		t.Errorf("30080 still stored after Release")
	}
}
