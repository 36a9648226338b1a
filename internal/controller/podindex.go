package controller

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
