// Package frameworktest holds in-memory fakes for plugin table tests: a
// node snapshot and a framework.Handle whose informer stores are filled
// directly (no watch, no goroutines), as upstream's plugin tests use a
// fake snapshot and informer factory.
package frameworktest

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Snapshot is a fixed list of nodes.
type Snapshot []*framework.NodeInfo

// List returns the nodes.
func (s Snapshot) List() []*framework.NodeInfo { return s }

// HavePodsWithAffinityList returns the nodes with pods with affinity.
func (s Snapshot) HavePodsWithAffinityList() []*framework.NodeInfo {
	return framework.FilterNodes(s, func(n *framework.NodeInfo) bool { return len(n.PodsWithAffinity) > 0 })
}

// HavePodsWithRequiredAntiAffinityList returns the nodes with pods with
// required anti-affinity.
func (s Snapshot) HavePodsWithRequiredAntiAffinityList() []*framework.NodeInfo {
	return framework.FilterNodes(s, func(n *framework.NodeInfo) bool { return len(n.PodsWithRequiredAntiAffinity) > 0 })
}

// ImageNumNodes counts the nodes holding image.
func (s Snapshot) ImageNumNodes(image string) int { return framework.CountImageNodes(s, image) }

// Get returns the named node or nil.
func (s Snapshot) Get(name string) *framework.NodeInfo {
	for _, n := range s {
		if n.Node().Name == name {
			return n
		}
	}
	return nil
}

// Handle is a framework.Handle over a Snapshot, an informer factory whose
// stores hold the given objects, and a fake clientset holding them too.
type Handle struct {
	Nodes     Snapshot
	Informers informers.SharedInformerFactory
	Client    *fake.Clientset
}

var _ framework.Handle = &Handle{}

// NewHandle returns a Handle over nodes with objs (Services,
// ReplicationControllers, ReplicaSets, StatefulSets, Namespaces,
// PersistentVolumeClaims, PersistentVolumes, StorageClasses) in its
// informer stores and its client.
func NewHandle(nodes []*framework.NodeInfo, objs ...runtime.Object) *Handle {
	h := &Handle{Nodes: nodes, Client: fake.NewSimpleClientset(objs...)}
	h.Informers = informers.NewSharedInformerFactory(h.Client, 0)
	for _, o := range objs {
		if err := h.store(o).Add(o); err != nil {
			panic(err)
		}
	}
	return h
}

func (h *Handle) store(o runtime.Object) cache.Store {
	f := h.Informers
	switch o.(type) {
	case *v1.Service:
		return f.Core().V1().Services().Informer().GetStore()
	case *v1.ReplicationController:
		return f.Core().V1().ReplicationControllers().Informer().GetStore()
	case *appsv1.ReplicaSet:
		return f.Apps().V1().ReplicaSets().Informer().GetStore()
	case *appsv1.StatefulSet:
		return f.Apps().V1().StatefulSets().Informer().GetStore()
	case *v1.Namespace:
		return f.Core().V1().Namespaces().Informer().GetStore()
	case *v1.PersistentVolumeClaim:
		return f.Core().V1().PersistentVolumeClaims().Informer().GetStore()
	case *v1.PersistentVolume:
		return f.Core().V1().PersistentVolumes().Informer().GetStore()
	case *storagev1.StorageClass:
		return f.Storage().V1().StorageClasses().Informer().GetStore()
	}
	panic(fmt.Sprintf("frameworktest: no informer for %T", o))
}

// SnapshotSharedLister returns the nodes.
func (h *Handle) SnapshotSharedLister() framework.NodeInfoLister { return h.Nodes }

// SharedInformerFactory returns the informer factory.
func (h *Handle) SharedInformerFactory() informers.SharedInformerFactory { return h.Informers }

// ClientSet returns the fake clientset.
func (h *Handle) ClientSet() kubernetes.Interface { return h.Client }

// NodeInfo returns a NodeInfo for node with pods on it.
func NodeInfo(node *v1.Node, pods ...*v1.Pod) *framework.NodeInfo {
	n := framework.NewNodeInfo(pods...)
	n.SetNode(node)
	return n
}

// NodeInfos places each pod on the node its spec.nodeName names.
func NodeInfos(nodes []*v1.Node, pods []*v1.Pod) []*framework.NodeInfo {
	var out []*framework.NodeInfo
	for _, node := range nodes {
		var on []*v1.Pod
		for _, p := range pods {
			if p.Spec.NodeName == node.Name {
				on = append(on, p)
			}
		}
		out = append(out, NodeInfo(node, on...))
	}
	return out
}
