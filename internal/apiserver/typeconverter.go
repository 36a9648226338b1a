package apiserver

import (
	"reflect"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/skiff-dev/skiff/internal/apis/newerfields"
)

// typedGoConverter is the field manager's TypeConverter. It converts Go
// structs (the objects the server stores) without the validating walk
// that AsTyped does, and hands everything else (unstructured objects:
// the configurations of server-side apply, which users write) to the
// inner converter, which validates, and then refuses the fields newer
// than the served version as undeclared, since the inner converter's
// schema is that of the newer types.
//
// The validating walk is a full reflective traversal of the object, and
// the field manager's compare and ToFieldSet walk it again. For a Go
// struct it cannot fail in any way that matters: the schema is generated
// from the same types, and the field manager allows duplicate list keys
// anyway. Skipping it halves the cost of managed fields on every write.
type typedGoConverter struct {
	inner  managedfields.TypeConverter
	scheme *runtime.Scheme // the Go type of an apply configuration's kind
	types  sync.Map        // schema.GroupVersionKind -> goType
}

type goType struct {
	schema  *smdschema.Schema
	typeRef smdschema.TypeRef
}

func newTypedGoConverter(inner managedfields.TypeConverter, scheme *runtime.Scheme) *typedGoConverter {
	return &typedGoConverter{inner: inner, scheme: scheme}
}

func (c *typedGoConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if _, ok := obj.(*unstructured.Unstructured); ok {
		tv, err := c.inner.ObjectToTyped(obj, opts...)
		if err != nil {
			return nil, err
		}
		if errs := c.newerFields(obj.GetObjectKind().GroupVersionKind(), tv); len(errs) > 0 {
			return nil, errs
		}
		return tv, nil
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

// newerFields returns an error per field of tv (an apply configuration of
// kind gvk) that is newer than the served version, worded as the inner
// converter words a field its schema does not declare.
func (c *typedGoConverter) newerFields(gvk schema.GroupVersionKind, tv *typed.TypedValue) typed.ValidationErrors {
	obj, err := c.scheme.New(gvk)
	if err != nil {
		return nil
	}
	set, err := tv.ToFieldSet()
	if err != nil {
		return nil
	}
	var errs typed.ValidationErrors
	seen := map[string]bool{}
	set.Iterate(func(p fieldpath.Path) {
		n := newerPrefix(reflect.TypeOf(obj), p)
		if n == 0 {
			return
		}
		at := p[:n].String()
		if !seen[at] {
			seen[at] = true
			errs = append(errs, typed.ValidationError{Path: at, ErrorMessage: "field not declared in schema"})
		}
	})
	return errs
}

// newerPrefix follows p through Go type t and returns the length of the
// prefix of p that ends at a field newer than the served version, or 0.
func newerPrefix(t reflect.Type, p fieldpath.Path) int {
	for i, pe := range p {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case pe.FieldName != nil && t.Kind() == reflect.Struct:
			if newerfields.Field(t, *pe.FieldName) {
				return i + 1
			}
			f, ok := jsonFieldType(t, *pe.FieldName)
			if !ok {
				return 0
			}
			t = f
		case t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
			t = t.Elem() // a map key (a field name), a list key, value or index
		default:
			return 0
		}
	}
	return 0
}

// jsonFieldType returns the type of struct t's field named name in JSON,
// looking into inlined (embedded) structs, and whether there is one.
// An inlined struct's own newer fields are checked here too.
func jsonFieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tagName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tagName == "" && f.Type.Kind() == reflect.Struct {
			if newerfields.Field(f.Type, name) {
				return nil, false
			}
			if ft, ok := jsonFieldType(f.Type, name); ok {
				return ft, true
			}
			continue
		}
		if tagName == name {
			return f.Type, true
		}
	}
	return nil, false
}
