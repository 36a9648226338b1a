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
	k := packing{
		max:       max,
		left:      map[string]map[string]discoveryv1.Endpoint{},
		changed:   map[string][]*discoveryv1.EndpointSlice{},
		unchanged: map[string][]*discoveryv1.EndpointSlice{},
		copies:    map[*discoveryv1.EndpointSlice]bool{},
	}
	total := 0
	for key, g := range desired {
		k.left[key] = map[string]discoveryv1.Endpoint{}
		for _, ep := range g.endpoints {
			k.left[key][ep.Addresses[0]] = ep
		}
		total += len(g.endpoints)
	}
	existing = append([]*discoveryv1.EndpointSlice(nil), existing...)
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	for _, s := range existing {
		k.sortExisting(s, desired)
	}
	keys := make([]string, 0, len(desired))
	for key := range desired {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		k.place(key, desired[key])
	}
	if total == 0 {
		return placeholder(k.plan, k.empties, k.copies, placeholderType)
	}
	k.plan.remove = append(k.plan.remove, k.empties...)
	return k.plan
}

// packing is one run of pack.
type packing struct {
	max       int
	left      map[string]map[string]discoveryv1.Endpoint // group -> address -> desired endpoint no slice holds yet
	changed   map[string][]*discoveryv1.EndpointSlice    // group -> slices being updated (copies)
	unchanged map[string][]*discoveryv1.EndpointSlice    // group -> slices kept as they are
	empties   []*discoveryv1.EndpointSlice               // slices to remove, or to keep as the placeholder
	copies    map[*discoveryv1.EndpointSlice]bool        // changed copies, not the cached objects
	plan      plan
}

// sortExisting files an existing slice: empty if its group is no longer
// desired, unchanged if it holds exactly desired endpoints as they are,
// changed (a copy keeping only its desired endpoints, updated) otherwise.
// The endpoints it keeps are no longer left to place.
func (k *packing) sortExisting(s *discoveryv1.EndpointSlice, desired map[string]*group) {
	key := groupKey(s.AddressType, s.Ports)
	if desired[key] == nil {
		k.empties = append(k.empties, s)
		return
	}
	var eps []discoveryv1.Endpoint
	dirty := false
	for _, ep := range s.Endpoints {
		d, ok := k.left[key][firstAddress(ep)]
		if !ok {
			dirty = true
			continue
		}
		delete(k.left[key], firstAddress(ep))
		if !apiequality.Semantic.DeepEqual(ep, d) {
			dirty = true
		}
		eps = append(eps, d)
	}
	if !dirty {
		k.unchanged[key] = append(k.unchanged[key], s)
		return
	}
	c := s.DeepCopy()
	c.Endpoints = eps
	k.copies[c] = true
	k.changed[key] = append(k.changed[key], c)
}

// place puts a group's endpoints that no slice holds into its changed
// slices, then into its unchanged slices with room (the emptiest first),
// then into new slices, and adds the group's slices to the plan.
func (k *packing) place(key string, g *group) {
	var fresh []discoveryv1.Endpoint
	for _, ep := range g.endpoints { // in the desired order
		if _, ok := k.left[key][ep.Addresses[0]]; ok {
			fresh = append(fresh, ep)
		}
	}
	fresh = fill(k.changed[key], fresh, k.max)
	for len(fresh) > 0 && len(k.unchanged[key]) > 0 {
		// the unchanged slice with the most room takes what fits
		unchanged := k.unchanged[key]
		sort.SliceStable(unchanged, func(i, j int) bool {
			return len(unchanged[i].Endpoints) < len(unchanged[j].Endpoints)
		})
		s := unchanged[0]
		if len(s.Endpoints) >= k.max {
			break
		}
		c := s.DeepCopy()
		k.copies[c] = true
		k.unchanged[key] = unchanged[1:]
		k.changed[key] = append(k.changed[key], c)
		fresh = fill([]*discoveryv1.EndpointSlice{c}, fresh, k.max)
	}
	for len(fresh) > 0 {
		n := min(k.max, len(fresh))
		k.plan.create = append(k.plan.create, &discoveryv1.EndpointSlice{
			AddressType: g.addressType, Ports: g.ports, Endpoints: append([]discoveryv1.Endpoint(nil), fresh[:n]...),
		})
		fresh = fresh[n:]
	}
	for _, c := range k.changed[key] {
		if len(c.Endpoints) == 0 {
			k.empties = append(k.empties, c)
		} else {
			k.plan.update = append(k.plan.update, c)
		}
	}
	for _, s := range k.unchanged[key] {
		if len(s.Endpoints) == 0 {
			k.empties = append(k.empties, s)
		} else {
			k.plan.keep = append(k.plan.keep, s)
		}
	}
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
