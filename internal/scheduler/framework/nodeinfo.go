package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// PodInfo is a pod on a node with what it asks for, computed once.
type PodInfo struct {
	Pod *v1.Pod
	// Requests are the pod's requests; NonZeroRequests count defaults for
	// containers without any.
	Requests, NonZeroRequests *Resource
	// The pod's inter-pod affinity terms, parsed once.
	RequiredAffinityTerms, RequiredAntiAffinityTerms   []AffinityTerm
	PreferredAffinityTerms, PreferredAntiAffinityTerms []WeightedAffinityTerm
	// ParseError is set when a term's selector does not parse.
	ParseError error
}

// NewPodInfo computes a PodInfo.
func NewPodInfo(pod *v1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, Requests: PodRequests(pod, false), NonZeroRequests: PodRequests(pod, true)}
	pi.parseAffinity()
	return pi
}

// HostPort is a port a pod binds on its node.
type HostPort struct {
	IP       string
	Protocol v1.Protocol
	Port     int32
}

// ImageStateSummary is what the cluster knows of one image.
type ImageStateSummary struct {
	Size int64
	// NumNodes is how many nodes hold the image.
	NumNodes int
}

// NodeInfo is a node and the pods placed on it (assumed ones included).
// NodeInfos handed to plugins are read-only.
type NodeInfo struct {
	node *v1.Node
	// nodeName, unschedulable and taints are copied from node by SetNode. A
	// cycle's filters and scorers read them for hundreds of nodes, and
	// reading them here, beside Requested and Allocatable, spares a cache
	// miss on each Node (NodeUnschedulable.Filter alone was 9 % of the
	// server's CPU in the scheduler-only benchmark).
	nodeName      string
	unschedulable bool
	taints        []v1.Taint
	// hostname and zone are the node's topology labels of the default
	// spreading constraints, copied by SetNode for the same reason:
	// PodTopologySpread reads them for every feasible node of every
	// cycle, and a lookup in each node's label map missed the cache.
	hostname, zone       string
	hasHostname, hasZone bool
	// Pods are the pods on the node.
	Pods []*PodInfo
	// PodsWithAffinity and PodsWithRequiredAntiAffinity are the subsets
	// InterPodAffinity looks at.
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo
	// UsedPorts are host ports in use.
	UsedPorts []HostPort
	// Requested sums the pods' requests; NonZeroRequested their scoring requests.
	// They are values, not pointers, so that a filter reads them from the
	// NodeInfo's own memory: a cycle visits hundreds of NodeInfos, and each
	// extra pointer was one more cache miss per node.
	Requested, NonZeroRequested Resource
	// Allocatable is the node's allocatable.
	Allocatable Resource
	// ImageStates are the node's images, keyed by every name they carry.
	ImageStates map[string]*ImageStateSummary
	// Generation changes on every change; the snapshot copies changed nodes only.
	Generation int64
	// matched memoizes CountMatching's last answer.
	matched matchCount
}

// NewNodeInfo returns a NodeInfo holding pods (and no node yet).
func NewNodeInfo(pods ...*v1.Pod) *NodeInfo {
	n := &NodeInfo{ImageStates: map[string]*ImageStateSummary{}}
	for _, p := range pods {
		n.AddPod(p)
	}
	return n
}

// Node is the node; nil when only pods are known.
func (n *NodeInfo) Node() *v1.Node { return n.node }

// Name is the node's name ("" when only pods are known).
func (n *NodeInfo) Name() string { return n.nodeName }

// Unschedulable is the node's spec.unschedulable (it is cordoned).
func (n *NodeInfo) Unschedulable() bool { return n.unschedulable }

// Taints are the node's spec.taints, shared with the node: read only.
func (n *NodeInfo) Taints() []v1.Taint { return n.taints }

// TopologyValue is the value of the node's label key, as the node's
// labels hold it; the hostname and zone labels are read from copies.
func (n *NodeInfo) TopologyValue(key string) (string, bool) {
	switch key {
	case v1.LabelHostname:
		return n.hostname, n.hasHostname
	case v1.LabelTopologyZone:
		return n.zone, n.hasZone
	}
	if n.node == nil {
		return "", false
	}
	v, ok := n.node.Labels[key]
	return v, ok
}

// SetNode sets the node and its allocatable.
func (n *NodeInfo) SetNode(node *v1.Node) {
	n.node = node
	n.nodeName, n.unschedulable, n.taints = node.Name, node.Spec.Unschedulable, node.Spec.Taints
	n.hostname, n.hasHostname = node.Labels[v1.LabelHostname]
	n.zone, n.hasZone = node.Labels[v1.LabelTopologyZone]
	n.Allocatable = *NewResource(node.Status.Allocatable)
	n.ImageStates = map[string]*ImageStateSummary{}
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			n.ImageStates[name] = &ImageStateSummary{Size: img.SizeBytes, NumNodes: 1}
		}
	}
}

// AddPod places pod on the node.
func (n *NodeInfo) AddPod(pod *v1.Pod) {
	n.AddPodInfo(NewPodInfo(pod))
}

// AddPodInfo places an already computed PodInfo on the node.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.matched = matchCount{}
	n.Pods = append(n.Pods, pi)
	if hasAffinity(pi.Pod) {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if hasRequiredAntiAffinity(pi.Pod) {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.Requested.plus(pi.Requests, 1)
	n.NonZeroRequested.plus(pi.NonZeroRequests, 1)
	n.UsedPorts = append(n.UsedPorts, PodHostPorts(pi.Pod)...)
}

// RemovePod takes pod (matched by UID) off the node.
func (n *NodeInfo) RemovePod(pod *v1.Pod) error {
	idx := -1
	for i, p := range n.Pods {
		if p.Pod.UID == pod.UID {
			idx = i
			break
		}
	}
	if idx < 0 {
		return fmt.Errorf("no pod %s/%s on node %q", pod.Namespace, pod.Name, n.nodeName)
	}
	old := n.Pods
	n.matched = matchCount{}
	n.Pods, n.PodsWithAffinity, n.PodsWithRequiredAntiAffinity, n.UsedPorts = nil, nil, nil, nil
	n.Requested, n.NonZeroRequested = Resource{}, Resource{}
	for i, p := range old {
		if i != idx {
			n.AddPodInfo(p)
		}
	}
	return nil
}

// Clone copies n; the pods and node themselves are shared.
func (n *NodeInfo) Clone() *NodeInfo {
	c := &NodeInfo{
		node:                         n.node,
		nodeName:                     n.nodeName,
		unschedulable:                n.unschedulable,
		taints:                       n.taints,
		hostname:                     n.hostname,
		zone:                         n.zone,
		hasHostname:                  n.hasHostname,
		hasZone:                      n.hasZone,
		Pods:                         append([]*PodInfo(nil), n.Pods...),
		PodsWithAffinity:             append([]*PodInfo(nil), n.PodsWithAffinity...),
		PodsWithRequiredAntiAffinity: append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...),
		UsedPorts:                    append([]HostPort(nil), n.UsedPorts...),
		Requested:                    *n.Requested.Clone(),
		NonZeroRequested:             *n.NonZeroRequested.Clone(),
		Allocatable:                  *n.Allocatable.Clone(),
		ImageStates:                  n.ImageStates,
		Generation:                   n.Generation,
	}
	return c
}

// PodHostPorts are the host ports pod's containers ask for, with an unset
// IP read as 0.0.0.0 and an unset protocol as TCP (nil: none).
func PodHostPorts(pod *v1.Pod) []HostPort {
	var out []HostPort
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			ip, proto := p.HostIP, p.Protocol
			if ip == "" {
				ip = "0.0.0.0"
			}
			if proto == "" {
				proto = v1.ProtocolTCP
			}
			out = append(out, HostPort{IP: ip, Protocol: proto, Port: p.HostPort})
		}
	}
	return out
}

func hasAffinity(pod *v1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func hasRequiredAntiAffinity(pod *v1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && a.PodAntiAffinity != nil && len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
}

// matchCount is one memoized CountMatching answer: count pods of namespace
// ns matched the selector named key while the node was at generation gen.
// It is held in the NodeInfo, not behind a pointer: every node of every
// cycle reads it.
type matchCount struct {
	set     bool
	gen     int64
	key, ns string
	count   int64
}

// CountMatching returns how many live (not terminating) pods of namespace
// ns on the node sel matches. key names sel (its String()): the answer is
// memoized under key, ns and the node's Generation, because
// PodTopologySpread asks the same question of every unchanged node cycle
// after cycle while a workload's pods are placed. Like the other methods
// it is not safe for concurrent use of one NodeInfo; the scheduler uses
// each node from one goroutine at a time in every phase.
func (n *NodeInfo) CountMatching(key string, sel labels.Selector, ns string) int64 {
	if m := &n.matched; m.set && m.gen == n.Generation && m.key == key && m.ns == ns {
		return m.count
	}
	var count int64
	for _, p := range n.Pods {
		if p.Pod.DeletionTimestamp == nil && p.Pod.Namespace == ns && sel.Matches(labels.Set(p.Pod.Labels)) {
			count++
		}
	}
	n.matched = matchCount{set: true, gen: n.Generation, key: key, ns: ns, count: count}
	return count
}
