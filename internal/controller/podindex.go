package controller

import (
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// PodControllerIndex indexes a pod informer by controller, as upstream's
// PodControllerUIDIndex: a pod is filed under its controller's UID, or,
// when it has none, under its namespace's orphan key. A controller then
// reads its own pods and the adoptable ones instead of every pod of the
// namespace.
const PodControllerIndex = "podControllerUID"

// orphanKey is the index key of the pods of ns without a controller; a
// UID never contains "/".
func orphanKey(ns string) string { return "orphan/" + ns }

func podControllerKeys(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{orphanKey(pod.Namespace)}, nil
}

// AddPodControllerIndex adds PodControllerIndex to a pod informer that
// lacks it. Call it before the informer starts.
func AddPodControllerIndex(inf cache.SharedIndexInformer) error {
	if _, ok := inf.GetIndexer().GetIndexers()[PodControllerIndex]; ok {
		return nil
	}
	return inf.AddIndexers(cache.Indexers{PodControllerIndex: podControllerKeys})
}

// PodsControlledBy returns the pods of namespace ns whose controller has
// the given UID and, with orphans, those of ns without a controller, from
// an indexer with PodControllerIndex.
func PodsControlledBy(idx cache.Indexer, ns string, uid types.UID, orphans bool) ([]*corev1.Pod, error) {
	keys := []string{string(uid)}
	if orphans {
		keys = append(keys, orphanKey(ns))
	}
	var out []*corev1.Pod
	for _, k := range keys {
		objs, err := idx.ByIndex(PodControllerIndex, k)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && p.Namespace == ns {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// ClaimablePods reads the pods an owner may claim: those it controls and
// its namespace's orphans, through PodControllerIndex (upstream's
// FilterPodsByOwner). Pods other controllers own cannot be claimed, so
// they are not read. Without the index (it could not be added) it lists
// the whole namespace.
type ClaimablePods struct {
	lister corelisters.PodLister
	index  cache.Indexer
}

// NewClaimablePods adds PodControllerIndex to inf; call it before the
// informer starts.
func NewClaimablePods(inf coreinformers.PodInformer, log *slog.Logger) ClaimablePods {
	c := ClaimablePods{lister: inf.Lister()}
	if err := AddPodControllerIndex(inf.Informer()); err != nil {
		log.Warn("pod controller index unavailable; listing every pod of the namespace", "err", err)
		return c
	}
	c.index = inf.Informer().GetIndexer()
	return c
}

// For returns the pods of namespace ns that owner uid controls or could
// adopt.
func (c ClaimablePods) For(ns string, uid types.UID) ([]*corev1.Pod, error) {
	if c.index == nil {
		return c.lister.Pods(ns).List(labels.Everything())
	}
	return PodsControlledBy(c.index, ns, uid, true)
}
