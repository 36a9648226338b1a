package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// RequestFor returns the Request naming obj; obj may be a
// cache.DeletedFinalStateUnknown tombstone. ok is false for anything that
// has no object metadata.
func RequestFor(obj any) (Request, bool) {
	if t, isTomb := obj.(cache.DeletedFinalStateUnknown); isTomb {
		obj = t.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return Request{}, false
	}
	return Request{Namespace: m.GetNamespace(), Name: m.GetName()}, true
}

// Handler returns an event handler that enqueues the Request of every
// object added, updated or deleted.
func (c *Controller) Handler() cache.ResourceEventHandler {
	return c.MapHandler(func(obj metav1.Object) []Request {
		return []Request{{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
	})
}

// OwnerHandler returns an event handler that enqueues the controlling owner
// of every object, when that owner has the given kind. An update that moves
// an object between owners enqueues both.
func (c *Controller) OwnerHandler(kind string) cache.ResourceEventHandler {
	return c.MapHandler(func(obj metav1.Object) []Request {
		ref := metav1.GetControllerOfNoCopy(obj)
		if ref == nil || ref.Kind != kind {
			return nil
		}
		return []Request{{Namespace: obj.GetNamespace(), Name: ref.Name}}
	})
}

// MapHandler returns an event handler that enqueues what fn maps each
// object to. On update both the old and the new object are mapped.
func (c *Controller) MapHandler(fn func(obj metav1.Object) []Request) cache.ResourceEventHandler {
	add := func(obj any) {
		if t, isTomb := obj.(cache.DeletedFinalStateUnknown); isTomb {
			obj = t.Obj
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return
		}
		for _, r := range fn(m) {
			c.queue.Add(r)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    add,
		UpdateFunc: func(oldObj, newObj any) { add(oldObj); add(newObj) },
		DeleteFunc: add,
	}
}

// OwnedPodHandler is the pod handler of a controller that creates pods one
// owner at a time and counts them in exp (StatefulSet and DaemonSet, as
// upstream's): each pod added, and each pod whose deletion starts or that
// goes without a deletion seen first, is observed against the expectations
// of its controlling owner of kind owner (key namespace/name); the event
// enqueues that owner, or, for a pod no one controls and that is not being
// deleted, the owners matching returns (controller.SelectingOwners).
func (c *Controller) OwnedPodHandler(owner schema.GroupVersionKind, exp *Expectations, matching func(obj metav1.Object) []Request) cache.ResourceEventHandler {
	apiVersion := owner.GroupVersion().String()
	owners := c.MapHandler(func(obj metav1.Object) []Request {
		if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
			if ref.Kind != owner.Kind || ref.APIVersion != apiVersion {
				return nil
			}
			return []Request{{Namespace: obj.GetNamespace(), Name: ref.Name}}
		}
		if obj.GetDeletionTimestamp() != nil {
			return nil
		}
		return matching(obj)
	})
	observe := func(obj any, adds, dels int) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if p, ok := obj.(*corev1.Pod); ok {
			if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == owner.Kind {
				exp.Observe(p.Namespace+"/"+ref.Name, adds, dels)
			}
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { observe(obj, 1, 0); owners.OnAdd(obj, false) },
		UpdateFunc: func(oldObj, newObj any) {
			if oldObj.(*corev1.Pod).DeletionTimestamp == nil && newObj.(*corev1.Pod).DeletionTimestamp != nil {
				observe(newObj, 0, 1)
			}
			owners.OnUpdate(oldObj, newObj)
		},
		DeleteFunc: func(obj any) {
			if p, ok := obj.(*corev1.Pod); !ok || p.DeletionTimestamp == nil {
				observe(obj, 0, 1)
			}
			owners.OnDelete(obj)
		},
	}
}
