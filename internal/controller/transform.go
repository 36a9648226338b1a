package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller/dedup"
)

// StripManagedFields is an informer transform that drops
// metadata.managedFields before an object enters the cache, as upstream's
// controller manager and scheduler do: controllers never read them, and
// they are often the largest part of an object.
var StripManagedFields cache.TransformFunc = func(obj any) (any, error) {
	// Tombstones and other non-objects pass through unchanged.
	if a, err := meta.Accessor(obj); err == nil && a.GetManagedFields() != nil {
		a.SetManagedFields(nil)
	}
	return obj, nil
}

// NewCacheTransform returns the transform of a typed informer factory:
// StripManagedFields, then, for Pods, the sharing of the parts equal to
// those of pods cached before (package dedup), which holds the pods of
// one template in a fraction of the memory. Readers of the cache must
// not change what they read (the informer contract): the parts are
// shared between pods.
func NewCacheTransform() cache.TransformFunc { return NewCacheTransformWith(dedup.New()) }

// NewCacheTransformWith is NewCacheTransform sharing through share, which
// may also decode the informers' pods (clientcodec.NewForCache): it then
// leaves the pods it decoded as they are.
func NewCacheTransformWith(share *dedup.Sharer) cache.TransformFunc {
	return func(obj any) (any, error) {
		obj, _ = StripManagedFields(obj)
		if p, ok := obj.(*corev1.Pod); ok {
			share.Pod(p)
		}
		return obj, nil
	}
}
