package defaults

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// listItems returns pointers into the items of a typed list, or nil when
// obj is not a list.
func listItems(obj runtime.Object) []runtime.Object {
	if !meta.IsListType(obj) {
		return nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil
	}
	return items
}
