package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Kind adapts an owner kind whose objects convert to ReplicaSets (the
// ReplicaSet itself, or a ReplicationController, as upstream runs one
// controller for both by conversion). The reconciler works on the
// converted *appsv1.ReplicaSet; pods it creates or adopts name GVK as
// their controller.
type Kind struct {
	// GVK is the owner kind written into controller references.
	GVK schema.GroupVersionKind
	// Name names the controller (work queue, logs).
	Name string
	// Component is the source of the events it records.
	Component string
	// Informer is the owner kind's shared informer; its events enqueue.
	Informer cache.SharedIndexInformer
	// Get returns the cached object converted; the result is the caller's
	// to mutate. A missing object is a NotFound error.
	Get func(namespace, name string) (*appsv1.ReplicaSet, error)
	// List returns the cached objects of a namespace, converted.
	List func(namespace string) ([]*appsv1.ReplicaSet, error)
	// UpdateStatus writes rs.Status to the object rs was converted from,
	// guarded by rs.ResourceVersion.
	UpdateStatus func(ctx context.Context, rs *appsv1.ReplicaSet) error
}

// replicaSetKind is the Kind of apps/v1 ReplicaSets.
func replicaSetKind(client kubernetes.Interface, inf cache.SharedIndexInformer) Kind {
	lister := cache.NewGenericLister(inf.GetIndexer(), appsv1.Resource("replicasets"))
	return Kind{
		GVK:       appsv1.SchemeGroupVersion.WithKind("ReplicaSet"),
		Name:      "replicaset",
		Component: "replicaset-controller",
		Informer:  inf,
		Get: func(ns, name string) (*appsv1.ReplicaSet, error) {
			obj, err := lister.ByNamespace(ns).Get(name)
			if err != nil {
				return nil, err
			}
			return obj.(*appsv1.ReplicaSet).DeepCopy(), nil
		},
		List: func(ns string) ([]*appsv1.ReplicaSet, error) {
			return controller.InNamespace[*appsv1.ReplicaSet](inf.GetIndexer(), ns), nil
		},
		UpdateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) error {
			return UpdateStatusRetrying(ctx, client.AppsV1().ReplicaSets(rs.Namespace), rs.Name, rs,
				func(from, to *appsv1.ReplicaSet) { to.Status = from.Status })
		},
	}
}

// reference is the event target for rs as the kind k it came from.
func (k Kind) reference(rs *appsv1.ReplicaSet) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: k.GVK.Kind, APIVersion: k.GVK.GroupVersion().String(), Namespace: rs.Namespace,
		Name: rs.Name, UID: rs.UID, ResourceVersion: rs.ResourceVersion}
}
