package scheduler

import (
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// nominator tracks pending pods nominated to a node by preemption, so
// that filtering other pods of equal or lower priority counts them on
// that node. It learns nominations from status.nominatedNodeName and from
// the scheduler itself (before the API shows them). It is safe for
// concurrent use.
type nominator struct {
	mu     sync.RWMutex
	byNode map[string][]*framework.PodInfo
	node   map[types.UID]string
	// count is len(node), readable without mu: with no nomination (the
	// usual case) the filter workers, which ask for every node, and the
	// binding path skip the lock, whose reader count they would all
	// contend on.
	count atomic.Int64
}

func newNominator() *nominator {
	return &nominator{byNode: map[string][]*framework.PodInfo{}, node: map[types.UID]string{}}
}

var _ framework.PodNominator = &nominator{}

// add nominates pod to nodeName, replacing an earlier nomination; an
// empty nodeName removes it.
func (n *nominator) add(pod *v1.Pod, nodeName string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod.UID)
	if nodeName == "" {
		return
	}
	n.node[pod.UID] = nodeName
	n.byNode[nodeName] = append(n.byNode[nodeName], framework.NewPodInfo(pod))
	n.count.Store(int64(len(n.node)))
}

// update follows a pending pod's informer update: a nomination in its
// status wins; a nomination the status dropped is removed; a pod without
// one keeps the scheduler's in-memory nomination.
func (n *nominator) update(old, pod *v1.Pod) {
	switch {
	case pod.Status.NominatedNodeName != "":
		n.add(pod, pod.Status.NominatedNodeName)
	case old != nil && old.Status.NominatedNodeName != "":
		n.delete(pod)
	default:
		if node := n.nominatedNode(pod.UID); node != "" {
			n.add(pod, node) // refresh the pod object
		}
	}
}

// delete forgets pod's nomination.
func (n *nominator) delete(pod *v1.Pod) {
	if n.empty() {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod.UID)
}

func (n *nominator) deleteLocked(uid types.UID) {
	node, ok := n.node[uid]
	if !ok {
		return
	}
	delete(n.node, uid)
	n.count.Store(int64(len(n.node)))
	pods := n.byNode[node]
	for i, pi := range pods {
		if pi.Pod.UID == uid {
			n.byNode[node] = append(pods[:i:i], pods[i+1:]...)
			break
		}
	}
	if len(n.byNode[node]) == 0 {
		delete(n.byNode, node)
	}
}

// empty reports whether no pod is nominated to any node.
func (n *nominator) empty() bool { return n.count.Load() == 0 }

// nominatedNode is pod's nominated node, "" if none.
func (n *nominator) nominatedNode(uid types.UID) string {
	if n.empty() {
		return ""
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.node[uid]
}

// NominatedPodsForNode returns a copy of the pods nominated to nodeName.
func (n *nominator) NominatedPodsForNode(nodeName string) []*framework.PodInfo {
	if n.empty() {
		return nil
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return append([]*framework.PodInfo(nil), n.byNode[nodeName]...)
}
