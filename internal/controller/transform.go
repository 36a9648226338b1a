package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/cache"
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
