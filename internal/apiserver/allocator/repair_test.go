package allocator

import (
	"fmt"
	"net"
	"slices"
	"testing"
)

func TestIPRepair(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	a := newIPs(t, prefix, "10.43.0.0/24")
	for ip, owner := range map[string]string{
		"10.43.0.1":  "default/kubernetes", // in use, same owner
		"10.43.0.20": "default/crashed",    // leaked
		"10.43.0.21": "default/old-name",   // in use by another owner
	} {
		if err := a.Allocate(ctx, net.ParseIP(ip), owner); err != nil {
			t.Fatalf("Allocate(%s) = %v", ip, err)
		}
	}
	// A key left from an earlier, different service CIDR, still in use.
	if _, err := a.client.Put(ctx, prefix+"/10.99.0.5", "default/legacy"); err != nil {
		t.Fatal(err)
	}
	inUse := map[string]string{
		"10.43.0.1":         "default/kubernetes",
		"10.43.0.21":        "default/new-name",
		"10.43.0.22":        "default/unrecorded", // no allocation key
		"::ffff:10.43.0.23": "default/mapped",     // spelled oddly
		"10.99.0.5":         "default/legacy",
		"10.99.0.6":         "default/foreign", // outside, not stored
		"not-an-ip":         "default/bad",
	}
	rep, err := a.Repair(ctx, inUse)
	if err != nil {
		t.Fatalf("Repair = %v", err)
	}
	wantRep := RepairReport{
		Released: []string{"10.43.0.20"},
		Restored: []string{"10.43.0.21", "10.43.0.22", "10.43.0.23"},
		Skipped:  []string{"10.99.0.6", "not-an-ip"},
	}
	if fmt.Sprint(rep) != fmt.Sprint(wantRep) {
		t.Errorf("Repair report = %+v; want %+v", rep, wantRep)
	}
	want := map[string]string{
		"10.43.0.1":  "default/kubernetes",
		"10.43.0.21": "default/new-name",
		"10.43.0.22": "default/unrecorded",
		"10.43.0.23": "default/mapped",
		"10.99.0.5":  "default/legacy",
	}
	if got := stored(t, a.client, prefix); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored after Repair = %v; want %v", got, want)
	}
	// A second run finds nothing to do.
	rep, err = a.Repair(ctx, inUse)
	if err != nil || len(rep.Released)+len(rep.Restored) != 0 {
		t.Errorf("second Repair = %+v, %v; want no changes", rep, err)
	}
}

func TestPortRepair(t *testing.T) {
	ctx := testContext(t)
	prefix := testPrefix(t)
	a := newPorts(t, prefix, DefaultPortRange)
	for _, p := range []int{30001, 30002} {
		if err := a.Allocate(ctx, p, fmt.Sprintf("default/s%d/TCP", p)); err != nil {
			t.Fatalf("Allocate(%d) = %v", p, err)
		}
	}
	rep, err := a.Repair(ctx, map[string]string{
		"30001": "default/s30001/TCP",
		"30500": "default/unrecorded/UDP",
		"080":   "default/low/TCP",
	})
	if err != nil {
		t.Fatalf("Repair = %v", err)
	}
	if !slices.Equal(rep.Released, []string{"30002"}) || !slices.Equal(rep.Restored, []string{"30500"}) ||
		!slices.Equal(rep.Skipped, []string{"80"}) {
		t.Errorf("Repair report = %+v; want released [30002], restored [30500], skipped [80]", rep)
	}
	want := map[string]string{"30001": "default/s30001/TCP", "30500": "default/unrecorded/UDP"}
	if got := stored(t, a.client, prefix); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored after Repair = %v; want %v", got, want)
	}
}
