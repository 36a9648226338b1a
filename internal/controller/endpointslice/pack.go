package endpointslice

import (
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// maxEndpointsPerSlice is upstream's --max-endpoints-per-slice default.
const maxEndpointsPerSlice = 100

// group is the desired endpoints of one address type and port set.
type group struct {
	addressType discoveryv1.AddressType
	ports       []discoveryv1.EndpointPort
	endpoints   []discoveryv1.Endpoint // sorted by address
}

// plan is what pack decides: slices to create (no name yet), to update
// (copies with new endpoints), to delete, and to keep as they are.
type plan struct {
	create, update, remove, keep []*discoveryv1.EndpointSlice
}

// pack places the desired endpoints into slices of at most max each,
// moving as little as it can: an endpoint stays in the slice that holds
// it (updated in place if it changed), endpoints no longer desired are
// dropped, new endpoints fill slices that change anyway, then slices with
// room, then new slices. Slices of a group no longer desired, and slices
// left empty, are removed; when nothing at all is desired one empty
// placeholder slice (no endpoints, no ports) remains. The existing slices
// are not modified.
func pack(existing []*discoveryv1.EndpointSlice, desired map[string]*group, max int, placeholderType discoveryv1.AddressType) plan {
	var p plan
	existing = append([]*discoveryv1.EndpointSlice(nil), existing...)
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	left := map[string]map[string]discoveryv1.Endpoint{}
	total := 0
	for k, g := range desired {
		left[k] = map[string]discoveryv1.Endpoint{}
		for _, ep := range g.endpoints {
			left[k][ep.Addresses[0]] = ep
		}
		total += len(g.endpoints)
	}
	changed := map[string][]*discoveryv1.EndpointSlice{}   // group -> slices being updated
	unchanged := map[string][]*discoveryv1.EndpointSlice{} // group -> slices kept as they are
	var empties []*discoveryv1.EndpointSlice
	copies := map[*discoveryv1.EndpointSlice]bool{} // changed copies, not the cached objects
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		if desired[k] == nil {
			empties = append(empties, s)
			continue
		}
		var eps []discoveryv1.Endpoint
		dirty := false
		for _, ep := range s.Endpoints {
			d, ok := left[k][firstAddress(ep)]
			if !ok {
				dirty = true
				continue
			}
			delete(left[k], firstAddress(ep))
			if !apiequality.Semantic.DeepEqual(ep, d) {
				dirty = true
			}
			eps = append(eps, d)
		}
		if !dirty {
			unchanged[k] = append(unchanged[k], s)
			continue
		}
		c := s.DeepCopy()
		c.Endpoints = eps
		copies[c] = true
		changed[k] = append(changed[k], c)
	}
	keys := make([]string, 0, len(desired))
	for k := range desired {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := desired[k]
		var fresh []discoveryv1.Endpoint
		for _, ep := range g.endpoints { // in the desired order
			if _, ok := left[k][ep.Addresses[0]]; ok {
				fresh = append(fresh, ep)
			}
		}
		fresh = fill(changed[k], fresh, max)
		for len(fresh) > 0 && len(unchanged[k]) > 0 {
			// the unchanged slice with the most room takes what fits
			sort.SliceStable(unchanged[k], func(i, j int) bool {
				return len(unchanged[k][i].Endpoints) < len(unchanged[k][j].Endpoints)
			})
			s := unchanged[k][0]
			if len(s.Endpoints) >= max {
				break
			}
			c := s.DeepCopy()
			copies[c] = true
			unchanged[k] = unchanged[k][1:]
			changed[k] = append(changed[k], c)
			fresh = fill([]*discoveryv1.EndpointSlice{c}, fresh, max)
		}
		for len(fresh) > 0 {
			n := min(max, len(fresh))
			p.create = append(p.create, &discoveryv1.EndpointSlice{
				AddressType: g.addressType, Ports: g.ports, Endpoints: append([]discoveryv1.Endpoint(nil), fresh[:n]...),
			})
			fresh = fresh[n:]
		}
		for _, c := range changed[k] {
			if len(c.Endpoints) == 0 {
				empties = append(empties, c)
			} else {
				p.update = append(p.update, c)
			}
		}
		for _, s := range unchanged[k] {
			if len(s.Endpoints) == 0 {
				empties = append(empties, s)
			} else {
				p.keep = append(p.keep, s)
			}
		}
	}
	if total == 0 {
		return placeholder(p, empties, copies, placeholderType)
	}
	p.remove = append(p.remove, empties...)
	return p
}

// fill appends endpoints to the slices while they have room and returns
// what did not fit.
func fill(slices []*discoveryv1.EndpointSlice, eps []discoveryv1.Endpoint, max int) []discoveryv1.Endpoint {
	for _, s := range slices {
		n := min(max-len(s.Endpoints), len(eps))
		if n <= 0 {
			continue
		}
		s.Endpoints = append(s.Endpoints, eps[:n]...)
		eps = eps[n:]
	}
	return eps
}

// placeholder finishes a plan with no endpoints: one empty slice without
// ports stays (an existing one if there is one) and every other is
// removed.
func placeholder(p plan, empties []*discoveryv1.EndpointSlice, copies map[*discoveryv1.EndpointSlice]bool, at discoveryv1.AddressType) plan {
	kept := false
	for _, s := range empties {
		if !kept && len(s.Endpoints) == 0 && len(s.Ports) == 0 && s.AddressType == at {
			kept = true
			if copies[s] {
				p.update = append(p.update, s)
			} else {
				p.keep = append(p.keep, s)
			}
			continue
		}
		p.remove = append(p.remove, s)
	}
	if !kept {
		p.create = append(p.create, &discoveryv1.EndpointSlice{AddressType: at, Ports: []discoveryv1.EndpointPort{}, Endpoints: []discoveryv1.Endpoint{}})
	}
	return p
}

func firstAddress(ep discoveryv1.Endpoint) string {
	if len(ep.Addresses) == 0 {
		return ""
	}
	return ep.Addresses[0]
}
