package apiserver

import (
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// typedGoConverter is the field manager's TypeConverter. It converts Go
// structs (the objects the server stores) without the validating walk
// that AsTyped does, and hands everything else (unstructured objects:
// the configurations of server-side apply, which users write) to the
// inner converter, which validates.
//
// The validating walk is a full reflective traversal of the object, and
// the field manager's compare and ToFieldSet walk it again. For a Go
// struct it cannot fail in any way that matters: the schema is generated
// from the same types, and the field manager allows duplicate list keys
// anyway. Skipping it halves the cost of managed fields on every write.
type typedGoConverter struct {
	inner managedfields.TypeConverter
	types sync.Map // schema.GroupVersionKind -> goType
}

type goType struct {
	schema  *smdschema.Schema
	typeRef smdschema.TypeRef
}

func newTypedGoConverter(inner managedfields.TypeConverter) *typedGoConverter {
	return &typedGoConverter{inner: inner}
}

func (c *typedGoConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if _, ok := obj.(*unstructured.Unstructured); ok {
		return c.inner.ObjectToTyped(obj, opts...)
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if t, ok := c.types.Load(gvk); ok {
		v, err := value.NewValueReflect(obj)
		if err != nil {
			return nil, err
		}
		gt := t.(goType)
		return typed.AsTypedUnvalidated(v, gt.schema, gt.typeRef), nil
	}
	// The first object of a kind goes the validating way; its result
	// tells the schema and type of the kind.
	tv, err := c.inner.ObjectToTyped(obj, opts...)
	if err != nil {
		return nil, err
	}
	c.remember(gvk, tv)
	return tv, nil
}

func (c *typedGoConverter) remember(gvk schema.GroupVersionKind, tv *typed.TypedValue) {
	c.types.Store(gvk, goType{schema: tv.Schema(), typeRef: tv.TypeRef()})
}

func (c *typedGoConverter) TypedToObject(tv *typed.TypedValue) (runtime.Object, error) {
	return c.inner.TypedToObject(tv)
}
