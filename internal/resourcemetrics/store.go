package resourcemetrics

import (
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Point is one sample of a node or container.
type Point struct {
	// Time is when the kubelet took the sample.
	Time time.Time
	// CPU is the cumulative CPU time used, in core-seconds.
	CPU float64
	// Memory is the working set in bytes.
	Memory uint64
	// Start is when the container started (zero for nodes); a new start
	// time is a new container instance.
	Start time.Time
}

// Scrape is what one scrape of one kubelet returned.
type Scrape struct {
	// Node is the node's total; HasNode is false when the kubelet sent none.
	Node    Point
	HasNode bool
	// Containers are the samples of the node's running containers, by pod
	// and container name.
	Containers map[types.NamespacedName]map[string]Point
}

// Usage is a rate computed from two samples.
type Usage struct {
	// NanoCores is the CPU rate in billionths of a core.
	NanoCores int64
	// Memory is the latest working set in bytes.
	Memory int64
	// Time is the latest sample's time; Window the time since the one
	// before.
	Time   time.Time
	Window time.Duration
}

// ContainerUsage is the usage of one container of a pod.
type ContainerUsage struct {
	Name string
	Usage
}

// series keeps the last two samples of one node or container.
type series struct {
	prev, last Point
	hasLast    bool
	hasPrev    bool
}

// add records p: it becomes the last sample, and the last one the
// previous, unless p is no newer (dropped) or starts a new instance (a
// new start time or a counter that went down: the history restarts).
func (s *series) add(p Point) {
	switch {
	case !s.hasLast:
		s.last, s.hasLast = p, true
	case !p.Time.After(s.last.Time):
	case p.CPU < s.last.CPU || !p.Start.Equal(s.last.Start):
		s.last, s.hasPrev = p, false
	default:
		s.prev, s.last, s.hasPrev = s.last, p, true
	}
}

// usage returns the rate between the two samples; ok is false until
// there are two.
func (s *series) usage() (Usage, bool) {
	if !s.hasPrev {
		return Usage{}, false
	}
	window := s.last.Time.Sub(s.prev.Time)
	rate := (s.last.CPU - s.prev.CPU) / window.Seconds()
	return Usage{NanoCores: int64(rate * 1e9), Memory: int64(s.last.Memory), Time: s.last.Time, Window: window}, true
}

// nodeData is what the store holds of one node.
type nodeData struct {
	node series
	pods map[types.NamespacedName]map[string]*series
}

// Store holds the last two samples of every node and container. It is
// safe for concurrent use.
type Store struct {
	mu    sync.RWMutex
	nodes map[string]*nodeData
	// podNode is the node that last reported each pod.
	podNode map[types.NamespacedName]string
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{nodes: map[string]*nodeData{}, podNode: map[types.NamespacedName]string{}}
}

// Apply records a scrape of node. Pods and containers the node no longer
// reports are forgotten.
func (st *Store) Apply(node string, sc Scrape) {
	st.mu.Lock()
	defer st.mu.Unlock()
	nd := st.nodes[node]
	if nd == nil {
		nd = &nodeData{pods: map[types.NamespacedName]map[string]*series{}}
		st.nodes[node] = nd
	}
	if sc.HasNode {
		nd.node.add(sc.Node)
	}
	for pod, containers := range nd.pods {
		if _, ok := sc.Containers[pod]; !ok {
			st.forgetPod(node, pod)
			continue
		}
		for name := range containers {
			if _, ok := sc.Containers[pod][name]; !ok {
				delete(containers, name)
			}
		}
	}
	for pod, containers := range sc.Containers {
		cs := nd.pods[pod]
		if cs == nil {
			cs = map[string]*series{}
			nd.pods[pod] = cs
		}
		for name, p := range containers {
			s := cs[name]
			if s == nil {
				s = &series{}
				cs[name] = s
			}
			s.add(p)
		}
		st.podNode[pod] = node
	}
}

// forgetPod drops a pod node no longer reports; the caller holds mu.
func (st *Store) forgetPod(node string, pod types.NamespacedName) {
	delete(st.nodes[node].pods, pod)
	if st.podNode[pod] == node {
		delete(st.podNode, pod)
	}
}

// Retain forgets every node not in keep, and their pods.
func (st *Store) Retain(keep map[string]bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for node, nd := range st.nodes {
		if keep[node] {
			continue
		}
		for pod := range nd.pods {
			st.forgetPod(node, pod)
		}
		delete(st.nodes, node)
	}
}

// Node returns a node's usage; ok is false until it has two samples.
func (st *Store) Node(name string) (Usage, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	nd := st.nodes[name]
	if nd == nil {
		return Usage{}, false
	}
	return nd.node.usage()
}

// Pod returns the usage of each container of a pod, by container name;
// ok is false unless every container the pod's node reports has two
// samples of its current instance.
func (st *Store) Pod(pod types.NamespacedName) ([]ContainerUsage, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	node, ok := st.podNode[pod]
	if !ok {
		return nil, false
	}
	cs := st.nodes[node].pods[pod]
	if len(cs) == 0 {
		return nil, false
	}
	out := make([]ContainerUsage, 0, len(cs))
	for name, s := range cs {
		u, ok := s.usage()
		if !ok {
			return nil, false
		}
		out = append(out, ContainerUsage{Name: name, Usage: u})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, true
}
