package endpointslice

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func eps(from, to int) []discoveryv1.Endpoint {
	var out []discoveryv1.Endpoint
	for i := from; i < to; i++ {
		out = append(out, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.0.%d.%d", i/256, i%256)}})
	}
	return out
}

func port(n int32) []discoveryv1.EndpointPort {
	name := "http"
	return []discoveryv1.EndpointPort{{Name: &name, Port: &n}}
}

func slice(name string, ports []discoveryv1.EndpointPort, e []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name}, AddressType: discoveryv1.AddressTypeIPv4, Ports: ports, Endpoints: e}
}

func desiredOf(groups ...*group) map[string]*group {
	out := map[string]*group{}
	for _, g := range groups {
		out[groupKey(g.addressType, g.ports)] = g
	}
	return out
}

func grp(ports []discoveryv1.EndpointPort, e []discoveryv1.Endpoint) *group {
	return &group{addressType: discoveryv1.AddressTypeIPv4, ports: ports, endpoints: e}
}

// describe prints a plan as "create:[n n] update:[name:n] remove:[name] keep:[name]".
func describe(p plan) string {
	var c, u, r, k []string
	for _, s := range p.create {
		c = append(c, fmt.Sprint(len(s.Endpoints)))
	}
	for _, s := range p.update {
		u = append(u, fmt.Sprintf("%s:%d", s.Name, len(s.Endpoints)))
	}
	for _, s := range p.remove {
		r = append(r, s.Name)
	}
	for _, s := range p.keep {
		k = append(k, s.Name)
	}
	sort.Strings(u)
	sort.Strings(r)
	sort.Strings(k)
	return fmt.Sprintf("create:%v update:%v remove:%v keep:%v", c, u, r, k)
}

func TestPack(t *testing.T) {
	tests := []struct {
		name     string
		existing []*discoveryv1.EndpointSlice
		desired  map[string]*group
		want     string
	}{
		{name: "nothing: one placeholder", want: "create:[0] update:[] remove:[] keep:[]"},
		{name: "existing placeholder kept", existing: []*discoveryv1.EndpointSlice{slice("p", nil, nil)},
			want: "create:[] update:[] remove:[] keep:[p]"},
		{name: "placeholder replaced by endpoints", existing: []*discoveryv1.EndpointSlice{slice("p", nil, nil)},
			desired: desiredOf(grp(port(80), eps(0, 3))), want: "create:[3] update:[] remove:[p] keep:[]"},
		{name: "250 endpoints: 100, 100, 50", desired: desiredOf(grp(port(80), eps(0, 250))),
			want: "create:[100 100 50] update:[] remove:[] keep:[]"},
		{name: "unchanged slices are kept", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 100)), slice("b", port(80), eps(100, 150))},
			desired: desiredOf(grp(port(80), eps(0, 150))), want: "create:[] update:[] remove:[] keep:[a b]"},
		{name: "new endpoints fill the slice with room", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 100)), slice("b", port(80), eps(100, 150))},
			desired: desiredOf(grp(port(80), eps(0, 160))), want: "create:[] update:[b:60] remove:[] keep:[a]"},
		{name: "new endpoints go to a slice changing anyway", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 90)), slice("b", port(80), eps(90, 150))},
			desired: desiredOf(grp(port(80), append(eps(1, 150), eps(150, 152)...))), want: "create:[] update:[a:91] remove:[] keep:[b]"},
		{name: "overflow goes to a new slice", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 95))},
			desired: desiredOf(grp(port(80), eps(0, 110))), want: "create:[10] update:[a:100] remove:[] keep:[]"},
		{name: "removed endpoints leave a slice empty: deleted", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 100)), slice("b", port(80), eps(100, 110))},
			desired: desiredOf(grp(port(80), eps(0, 100))), want: "create:[] update:[] remove:[b] keep:[a]"},
		{name: "port change moves everything", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 5))},
			desired: desiredOf(grp(port(8080), eps(0, 5))), want: "create:[5] update:[] remove:[a] keep:[]"},
		{name: "two port sets, two slices", desired: desiredOf(grp(port(80), eps(0, 2)), grp(port(90), eps(2, 3))),
			want: "create:[2 1] update:[] remove:[] keep:[]"},
		{name: "all endpoints gone: the last slice goes, a placeholder comes", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 5))},
			want: "create:[0] update:[] remove:[a] keep:[]"},
		{name: "duplicate endpoint in two slices is dropped from the second", existing: []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 2)), slice("b", port(80), eps(1, 3))},
			desired: desiredOf(grp(port(80), eps(0, 3))), want: "create:[] update:[b:1] remove:[] keep:[a]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(pack(tt.existing, tt.desired, maxEndpointsPerSlice, discoveryv1.AddressTypeIPv4))
			if got != tt.want {
				t.Errorf("pack = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestPackNeverExceedsMaxAndPlacesEachOnce(t *testing.T) {
	existing := []*discoveryv1.EndpointSlice{slice("a", port(80), eps(0, 70)), slice("b", port(80), eps(70, 140)), slice("c", port(80), eps(500, 510))}
	desired := desiredOf(grp(port(80), eps(30, 420)))
	p := pack(existing, desired, maxEndpointsPerSlice, discoveryv1.AddressTypeIPv4)
	seen := map[string]int{}
	for _, set := range [][]*discoveryv1.EndpointSlice{p.create, p.update, p.keep} {
		for _, s := range set {
			if len(s.Endpoints) > maxEndpointsPerSlice {
				t.Errorf("slice %q holds %d endpoints; want at most %d", s.Name, len(s.Endpoints), maxEndpointsPerSlice)
			}
			for _, e := range s.Endpoints {
				seen[e.Addresses[0]]++
			}
		}
	}
	if len(seen) != 390 {
		t.Errorf("placed %d distinct endpoints; want 390", len(seen))
	}
	for a, n := range seen {
		if n != 1 || !strings.HasPrefix(a, "10.0.") {
			t.Errorf("endpoint %s placed %d times; want once", a, n)
		}
	}
	if existing[0].Endpoints[0].Addresses[0] != "10.0.0.0" || len(existing[0].Endpoints) != 70 {
		t.Errorf("pack modified an existing slice")
	}
}
