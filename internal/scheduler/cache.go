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
	nodes map[string]*framework.NodeInfo
	pods  map[types.UID]*podState
	gen   int64
}

type podState struct {
	pod     *v1.Pod
	assumed bool
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{nodes: map[string]*framework.NodeInfo{}, pods: map[types.UID]*podState{}}
}

func (c *Cache) nodeInfo(name string) *framework.NodeInfo {
	n, ok := c.nodes[name]
	if !ok {
		n = framework.NewNodeInfo()
		c.nodes[name] = n
	}
	c.gen++
	n.Generation = c.gen
	return n
}

// AddNode adds or replaces a node.
func (c *Cache) AddNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodeInfo(node.Name).SetNode(node)
}

// RemoveNode drops a node; its pods stay until they are deleted.
func (c *Cache) RemoveNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := framework.NewNodeInfo()
	for _, s := range c.pods {
		if s.pod.Spec.NodeName == node.Name {
			n.AddPod(s.pod)
		}
	}
	if len(n.Pods) == 0 {
		delete(c.nodes, node.Name)
		return
	}
	c.gen++
	n.Generation = c.gen
	c.nodes[node.Name] = n
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
	n, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return
	}
	_ = n.RemovePod(pod)
	c.gen++
	n.Generation = c.gen
	if n.Node() == nil && len(n.Pods) == 0 {
		delete(c.nodes, pod.Spec.NodeName)
	}
}

// UpdateSnapshot brings s up to date, copying only nodes changed since.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A node that only changed is replaced in place; the list is rebuilt
	// and sorted only when nodes came or went, which is rare next to the
	// one node every cycle's assumed pod changes.
	membership := s.list == nil
	for name, n := range c.nodes {
		if n.Node() == nil {
			continue
		}
		old, ok := s.byName[name]
		if ok && old.Generation == n.Generation {
			continue
		}
		clone := n.Clone()
		s.byName[name] = clone
		if i, found := s.index[name]; ok && found {
			s.list[i] = clone
		} else {
			membership = true
		}
	}
	for name := range s.byName {
		if n, ok := c.nodes[name]; !ok || n.Node() == nil {
			delete(s.byName, name)
			membership = true
		}
	}
	if membership {
		s.rebuild()
	}
}

// Snapshot is a consistent copy of the cache for one scheduling cycle.
type Snapshot struct {
	byName map[string]*framework.NodeInfo
	list   []*framework.NodeInfo
	// index is each node's position in list.
	index map[string]int
}

// rebuild makes list and index from byName, sorted by node name.
func (s *Snapshot) rebuild() {
	s.list = s.list[:0]
	for _, n := range s.byName {
		s.list = append(s.list, n)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Node().Name < s.list[j].Node().Name })
	s.index = make(map[string]int, len(s.list))
	for i, n := range s.list {
		s.index[n.Node().Name] = i
	}
}

var _ framework.NodeInfoLister = &Snapshot{}

// NewSnapshot returns a snapshot of the given nodes (for tests and
// plugins' table tests).
func NewSnapshot(nodes ...*framework.NodeInfo) *Snapshot {
	s := &Snapshot{byName: map[string]*framework.NodeInfo{}, index: map[string]int{}}
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
