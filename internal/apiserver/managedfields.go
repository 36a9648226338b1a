package apiserver

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
)

// recordUpdate records the managed fields of an update (not an apply) of
// obj over current. The field manager compares the two whole objects;
// for a write to the status subresource everything but metadata and
// status was copied from current (prepareForUpdate), and for a write to
// the main resource of a kind with a status subresource the status was,
// so those parts are equal and the manager's reset fields exclude them
// anyway. They are left out of the comparison: the field manager gets
// shallow copies without them, and obj takes the managed fields it
// computed. On a pod's status write that halves the walk.
func recordUpdate(fm *managedfields.FieldManager, ep *endpoint, sub string, current, obj runtime.Object, manager string) runtime.Object {
	var keep func(field string) bool
	switch {
	case sub == "status":
		keep = func(f string) bool { return f == "TypeMeta" || f == "ObjectMeta" || f == "Status" }
	case sub == "" && ep.res.HasStatus:
		if _, isNode := obj.(*corev1.Node); isNode {
			// A node's PUT may write its status too (prepareForUpdate).
			return fm.UpdateNoErrors(current, obj, manager)
		}
		keep = func(f string) bool { return f != "Status" }
	default:
		return fm.UpdateNoErrors(current, obj, manager)
	}
	live, next := shallowWith(current, keep), shallowWith(obj, keep)
	if live == nil || next == nil {
		return fm.UpdateNoErrors(current, obj, manager)
	}
	out, err := meta.Accessor(fm.UpdateNoErrors(live, next, manager))
	om, err2 := meta.Accessor(obj)
	if err != nil || err2 != nil {
		return fm.UpdateNoErrors(current, obj, manager)
	}
	om.SetManagedFields(out.GetManagedFields())
	return obj
}

// shallowWith is a new object of obj's type holding only the top-level
// fields keep names, shared with obj; nil if obj is not a struct pointer.
func shallowWith(obj runtime.Object, keep func(field string) bool) runtime.Object {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	src := v.Elem()
	dst := reflect.New(src.Type())
	for i := range src.NumField() {
		if keep(src.Type().Field(i).Name) {
			dst.Elem().Field(i).Set(src.Field(i))
		}
	}
	out, _ := dst.Interface().(runtime.Object)
	return out
}
