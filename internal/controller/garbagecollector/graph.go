package garbagecollector

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// node is what the collector knows of one object.
type node struct {
	gvr        schema.GroupVersionResource
	namespace  string
	name       string
	uid        types.UID
	rv         string
	owners     []metav1.OwnerReference
	finalizers []string
	deleting   bool
}

// graph indexes nodes by UID and dependents by owner UID. It is safe for
// concurrent use; the nodes it returns are copies.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]node
	dependents map[types.UID]map[types.UID]struct{}
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]node{}, dependents: map[types.UID]map[types.UID]struct{}{}}
}

// upsert stores n and returns the node it replaced.
func (g *graph) upsert(n node) (old node, existed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	old, existed = g.nodes[n.uid]
	if existed {
		g.unlinkLocked(old)
	}
	g.nodes[n.uid] = n
	for _, o := range n.owners {
		deps := g.dependents[o.UID]
		if deps == nil {
			deps = map[types.UID]struct{}{}
			g.dependents[o.UID] = deps
		}
		deps[n.uid] = struct{}{}
	}
	return old, existed
}

// remove forgets uid and returns the node it held.
func (g *graph) remove(uid types.UID) (node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return node{}, false
	}
	g.unlinkLocked(n)
	delete(g.nodes, uid)
	return n, true
}

func (g *graph) unlinkLocked(n node) {
	for _, o := range n.owners {
		if deps := g.dependents[o.UID]; deps != nil {
			delete(deps, n.uid)
			if len(deps) == 0 {
				delete(g.dependents, o.UID)
			}
		}
	}
}

// get returns the node of uid.
func (g *graph) get(uid types.UID) (node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	return n, ok
}

// dependentsOf returns the nodes that name uid as an owner.
func (g *graph) dependentsOf(uid types.UID) []node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []node
	for d := range g.dependents[uid] {
		if n, ok := g.nodes[d]; ok {
			out = append(out, n)
		}
	}
	return out
}

// hasDependents reports whether any object names uid as an owner.
func (g *graph) hasDependents(uid types.UID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.dependents[uid]) > 0
}

// dependentUIDs returns the UIDs that name uid as an owner, seen or not.
func (g *graph) dependentUIDs(uid types.UID) []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]types.UID, 0, len(g.dependents[uid]))
	for d := range g.dependents[uid] {
		out = append(out, d)
	}
	return out
}
