package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
