package scheduler

import (
	"fmt"
	"sort"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Cache is the scheduler's view of nodes and the pods placed on them, fed
// by informers, plus assumed pods: pods the scheduler has chosen a node for
// and is binding. An assumed pod counts against its node at once; it is
// confirmed when the informer shows it bound, and forgotten if binding
// fails. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*nodeItem
	// head is the most recently changed node; the list runs in
	// decreasing Generation, so a snapshot copies what changed since its
	// last update by walking it until a node it already has.
	head *nodeItem
	pods map[types.UID]*podState
	gen  int64
	// membership counts nodes coming and going (the snapshot's list is
	// then rebuilt).
	membership int64
}

// nodeItem is one node's entry in the cache's recency list.
type nodeItem struct {
	name       string
	info       *framework.NodeInfo
	prev, next *nodeItem
}

type podState struct {
	pod     *v1.Pod
	assumed bool
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{nodes: map[string]*nodeItem{}, pods: map[types.UID]*podState{}}
}

// nodeInfo returns name's NodeInfo (made if absent), marked changed.
func (c *Cache) nodeInfo(name string) *framework.NodeInfo {
	it, ok := c.nodes[name]
	if !ok {
		it = &nodeItem{name: name, info: framework.NewNodeInfo()}
		c.nodes[name] = it
	}
	c.touch(it)
	return it.info
}

// touch gives it a new generation and moves it to the head of the list.
func (c *Cache) touch(it *nodeItem) {
	c.gen++
	it.info.Generation = c.gen
	if c.head == it {
		return
	}
	c.unlink(it)
	it.next = c.head
	if c.head != nil {
		c.head.prev = it
	}
	c.head = it
}

func (c *Cache) unlink(it *nodeItem) {
	if it.prev != nil {
		it.prev.next = it.next
	}
	if it.next != nil {
		it.next.prev = it.prev
	}
	if c.head == it {
		c.head = it.next
	}
	it.prev, it.next = nil, nil
}

// deleteItem drops a node's entry.
func (c *Cache) deleteItem(it *nodeItem) {
	c.unlink(it)
	delete(c.nodes, it.name)
}

// AddNode adds or replaces a node.
func (c *Cache) AddNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodeInfo(node.Name)
	if n.Node() == nil {
		c.membership++
	}
	n.SetNode(node)
}

// RemoveNode drops a node; its pods stay until they are deleted.
func (c *Cache) RemoveNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.nodes[node.Name]
	if !ok {
		return
	}
	c.membership++
	n := framework.NewNodeInfo()
	for _, s := range c.pods {
		if s.pod.Spec.NodeName == node.Name {
			n.AddPod(s.pod)
		}
	}
	if len(n.Pods) == 0 {
		c.deleteItem(it)
		return
	}
	it.info = n
	c.touch(it)
}

// AssumePod counts pod (with spec.nodeName set) on its node before the
// binding is confirmed.
func (c *Cache) AssumePod(pod *v1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("pod %s/%s is already in the cache", pod.Namespace, pod.Name)
	}
	c.pods[pod.UID] = &podState{pod: pod, assumed: true}
	c.nodeInfo(pod.Spec.NodeName).AddPod(pod)
	return nil
}

// ForgetPod undoes AssumePod after a failed binding.
func (c *Cache) ForgetPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.pods[pod.UID]
	if !ok || !s.assumed {
		return
	}
	c.removeLocked(s.pod)
}

// AddPod records a bound pod seen by the informer, confirming an assumed one.
func (c *Cache) AddPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.pods[pod.UID]; ok {
		c.removeLocked(s.pod)
	}
	c.pods[pod.UID] = &podState{pod: pod}
	c.nodeInfo(pod.Spec.NodeName).AddPod(pod)
}

// RemovePod drops a pod.
func (c *Cache) RemovePod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.pods[pod.UID]; ok {
		c.removeLocked(s.pod)
	}
}

// IsAssumed reports whether pod is assumed and not yet confirmed.
func (c *Cache) IsAssumed(pod *v1.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.pods[pod.UID]
	return ok && s.assumed
}

func (c *Cache) removeLocked(pod *v1.Pod) {
	delete(c.pods, pod.UID)
	it, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return
	}
	_ = it.info.RemovePod(pod)
	c.touch(it)
	if it.info.Node() == nil && len(it.info.Pods) == 0 {
		c.deleteItem(it)
	}
}

// UpdateSnapshot brings s up to date, copying only nodes changed since
// its last update: it walks the recency list down to the first node s
// already has (one or two nodes per cycle: the assumed pod's and the
// bound one's). When nodes came or went it reconciles every node and
// rebuilds the sorted list.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.list == nil || s.membership != c.membership {
		c.reconcile(s)
	} else {
		for it := c.head; it != nil && it.info.Generation > s.generation; it = it.next {
			if it.info.Node() == nil {
				continue
			}
			clone := it.info.Clone()
			s.invalidateDerived(s.byName[it.name], clone)
			s.byName[it.name] = clone
			s.list[s.index[it.name]] = clone
			s.scattered++
		}
	}
	s.generation, s.membership = c.gen, c.membership
	if s.scattered > max(len(s.list)/8, compactAfter) {
		s.compact()
	}
}

// reconcile compares every node with s, copies the changed ones and
// rebuilds the list if its membership changed.
func (c *Cache) reconcile(s *Snapshot) {
	rebuild := s.list == nil
	for name, it := range c.nodes {
		if it.info.Node() == nil {
			continue
		}
		if old, ok := s.byName[name]; ok && old.Generation == it.info.Generation {
			continue
		}
		clone := it.info.Clone()
		s.invalidateDerived(s.byName[name], clone)
		s.byName[name] = clone
		if i, found := s.index[name]; found {
			s.list[i] = clone
			s.scattered++
		} else {
			rebuild = true
		}
	}
	for name := range s.byName {
		if it, ok := c.nodes[name]; !ok || it.info.Node() == nil {
			delete(s.byName, name)
			rebuild = true
		}
	}
	if rebuild {
		s.rebuild()
	}
}

// Snapshot is a consistent copy of the cache for one scheduling cycle.
type Snapshot struct {
	byName map[string]*framework.NodeInfo
	list   []*framework.NodeInfo
	// index is each node's position in list.
	index map[string]int
	// generation and membership are the cache's when s was last updated
	// (membership -1: never).
	generation, membership int64
	// Lists and counts derived from every node, computed on first use
	// and dropped (nil) only when an update could change them: the
	// affinity lists when a changed node had or has such pods (each
	// cycle's bound pod does not otherwise touch them), the image counts
	// when a Node object changed.
	withAffinity, withAntiAffinity []*framework.NodeInfo
	affinityValid                  bool
	imageCounts                    map[string]int
	// scattered counts the nodes replaced by copies of their own since
	// compact last laid the list out in one block.
	scattered int
}

// compactAfter is the fewest replaced nodes that make UpdateSnapshot
// compact; a list of more than 8 times as many waits for an eighth of it.
const compactAfter = 64

// compact copies the snapshot's NodeInfos side by side into one block, in
// list order. A cycle reads hundreds of consecutive NodeInfos of the list;
// allocated one by one they lie all over the heap, and the first read of
// each was a cache miss (half of the filters' time with 5,000 nodes). In
// one block the processor's prefetcher streams them. The copies are
// shallow: a snapshot's NodeInfos are never changed, only replaced.
func (s *Snapshot) compact() {
	slab := make([]framework.NodeInfo, len(s.list))
	for i, n := range s.list {
		slab[i] = *n
		s.list[i] = &slab[i]
		s.byName[n.Name()] = &slab[i]
	}
	s.scattered = 0
	// The derived lists held the old copies: equal, but kept alive.
	s.affinityValid, s.withAffinity, s.withAntiAffinity = false, nil, nil
}

// invalidateDerived drops what the replacement of old by clone may
// change (old is nil for a new node).
func (s *Snapshot) invalidateDerived(old, clone *framework.NodeInfo) {
	if old == nil || len(old.PodsWithAffinity) > 0 || len(clone.PodsWithAffinity) > 0 {
		s.affinityValid, s.withAffinity, s.withAntiAffinity = false, nil, nil
	}
	if old == nil || old.Node() != clone.Node() {
		s.imageCounts = nil
	}
}

// HavePodsWithAffinityList implements framework.NodeInfoLister.
func (s *Snapshot) HavePodsWithAffinityList() []*framework.NodeInfo {
	s.deriveAffinity()
	return s.withAffinity
}

// HavePodsWithRequiredAntiAffinityList implements framework.NodeInfoLister.
func (s *Snapshot) HavePodsWithRequiredAntiAffinityList() []*framework.NodeInfo {
	s.deriveAffinity()
	return s.withAntiAffinity
}

func (s *Snapshot) deriveAffinity() {
	if s.affinityValid {
		return
	}
	s.withAffinity = framework.FilterNodes(s.list, func(n *framework.NodeInfo) bool { return len(n.PodsWithAffinity) > 0 })
	s.withAntiAffinity = framework.FilterNodes(s.withAffinity, func(n *framework.NodeInfo) bool { return len(n.PodsWithRequiredAntiAffinity) > 0 })
	s.affinityValid = true
}

// ImageNumNodes implements framework.NodeInfoLister.
func (s *Snapshot) ImageNumNodes(image string) int {
	if s.imageCounts == nil {
		s.imageCounts = map[string]int{}
		for _, n := range s.list {
			for name := range n.ImageStates {
				s.imageCounts[name]++
			}
		}
	}
	return s.imageCounts[image]
}

// rebuild makes list and index from byName, sorted by node name.
func (s *Snapshot) rebuild() {
	s.affinityValid, s.withAffinity, s.withAntiAffinity, s.imageCounts = false, nil, nil, nil
	s.list = s.list[:0]
	for _, n := range s.byName {
		s.list = append(s.list, n)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Node().Name < s.list[j].Node().Name })
	s.index = make(map[string]int, len(s.list))
	for i, n := range s.list {
		s.index[n.Node().Name] = i
	}
	s.compact()
}

var _ framework.NodeInfoLister = &Snapshot{}

// NewSnapshot returns a snapshot of the given nodes (for tests and
// plugins' table tests).
func NewSnapshot(nodes ...*framework.NodeInfo) *Snapshot {
	s := &Snapshot{byName: map[string]*framework.NodeInfo{}, index: map[string]int{}, membership: -1}
	for _, n := range nodes {
		s.index[n.Node().Name] = len(s.list)
		s.byName[n.Node().Name] = n
		s.list = append(s.list, n)
	}
	return s
}

// List returns every node, sorted by name.
func (s *Snapshot) List() []*framework.NodeInfo { return s.list }

// Get returns the named node or nil.
func (s *Snapshot) Get(name string) *framework.NodeInfo { return s.byName[name] }
