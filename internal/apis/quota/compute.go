package quota

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Lister returns the objects of gr in q's namespace; a NotFound error
// means the resource is not served and counts nothing.
type Lister func(gr schema.GroupResource) ([]runtime.Object, error)

// Compute sums, for every resource named in names, the usage of the
// objects of q's namespace that q's scopes match; every name gets a value,
// zero when nothing uses it.
func Compute(q *corev1.ResourceQuota, names corev1.ResourceList, list Lister, notFound func(error) bool) (corev1.ResourceList, error) {
	used := corev1.ResourceList{}
	for name := range names {
		used[name] = *resource.NewQuantity(0, resource.DecimalSI)
	}
	for _, gr := range Groups(names) {
		objs, err := list(gr)
		if err != nil && notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if ScopesMatch(q, o) {
				Add(used, Mask(Usage(gr, o), names))
			}
		}
	}
	return used, nil
}
