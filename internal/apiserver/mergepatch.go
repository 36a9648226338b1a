package apiserver

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/runtime"
	sjson "sigs.k8s.io/json"

	"github.com/skiff-dev/skiff/internal/apis/newerfields"
)

// errDocumentPath makes mergePatchTyped give up: the caller then applies
// the patch to the whole JSON document, which gives the same object or the
// exact error (unknown or duplicate fields, type mismatches).
var errDocumentPath = errors.New("merge patch: take the document path")

// mergePatchTyped applies a JSON merge patch (RFC 7386) to a copy of
// current field by field instead of through the object's whole JSON
// document. A merge patch is defined key by key, so the result is the
// same: a key whose value is null zeroes the field, an object merges into
// a struct field by recursing, and any other value replaces the field
// (decoded as the document path would decode it). Only an object value on
// a map or pointer field is merged as JSON, and then only that field's.
//
// A kubelet's status patch (the status's fields and a UID precondition)
// thus costs a deep copy and the decoding of the patch, where the document
// path encoded, merged and decoded the whole pod; in the end-to-end
// scheduler benchmark that path was 10 % of the server's CPU.
//
// It reports false, having changed nothing, for anything it does not
// handle exactly as the document path: a patch that is not a JSON object,
// apiVersion or kind in the patch, a key that names no field, duplicate
// keys, or a value its field's type does not decode strictly.
func mergePatchTyped(current runtime.Object, patch []byte) (runtime.Object, bool) {
	return patchTyped(current, patch, false)
}

// patchTyped applies a merge patch, or with strategic a strategic merge
// patch (strategicPatchTyped), to a copy of current field by field.
func patchTyped(current runtime.Object, patch []byte, strategic bool) (runtime.Object, bool) {
	var top map[string]json.RawMessage
	if errs, err := sjson.UnmarshalStrict(patch, &top); err != nil || len(errs) > 0 || top == nil {
		return nil, false
	}
	if _, ok := top["apiVersion"]; ok {
		return nil, false
	}
	if _, ok := top["kind"]; ok {
		return nil, false
	}
	out := current.DeepCopyObject()
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	if err := mergeStruct(v.Elem(), top, strategic); err != nil {
		return nil, false
	}
	return out, true
}

func mergeStruct(v reflect.Value, patch map[string]json.RawMessage, strategic bool) error {
	fields := jsonFieldsOf(v.Type())
	for name, raw := range patch {
		jf, ok := fields[name]
		if !ok {
			return errDocumentPath
		}
		if err := mergeField(v.FieldByIndex(jf.index), raw, jf, strategic); err != nil {
			return err
		}
	}
	return nil
}

func mergeField(f reflect.Value, raw json.RawMessage, jf jsonField, strategic bool) error {
	if string(raw) == "null" {
		f.SetZero()
		return nil
	}
	isObject := len(raw) > 0 && raw[0] == '{'
	if isObject && f.Kind() == reflect.Struct && !customJSON(f.Type()) {
		var sub map[string]json.RawMessage
		if errs, err := sjson.UnmarshalStrict(raw, &sub); err != nil || len(errs) > 0 {
			return errDocumentPath
		}
		return mergeStruct(f, sub, strategic)
	}
	if strategic {
		if done, err := strategicField(f, raw, jf); done || err != nil {
			return err
		}
	}
	doc := []byte(raw)
	if isObject {
		// The merge below would take the last of duplicate keys inside
		// raw, where the document path reports them.
		var probe map[string]any
		if errs, err := sjson.UnmarshalStrict(raw, &probe); err != nil || len(errs) > 0 {
			return errDocumentPath
		}
		// RFC 7386: an object merges into the target, a target that is
		// not an object (a nil map or pointer is null) counting as {}.
		orig, err := json.Marshal(f.Interface())
		if err != nil {
			return errDocumentPath
		}
		if len(orig) == 0 || orig[0] != '{' {
			orig = []byte("{}")
		}
		if doc, err = jsonpatch.MergePatch(orig, raw); err != nil {
			return errDocumentPath
		}
	}
	fresh := reflect.New(f.Type())
	if errs, err := sjson.UnmarshalStrict(doc, fresh.Interface()); err != nil || len(errs) > 0 {
		return errDocumentPath
	}
	f.Set(fresh.Elem())
	return nil
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// customJSON reports whether t encodes or decodes itself (metav1.Time,
// resource.Quantity, IntOrString): such a struct is a value, not fields.
func customJSON(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || p.Implements(jsonMarshaler) || p.Implements(jsonUnmarshaler)
}

// jsonField is a struct field as a patch names it: its index, and the
// strategic merge patch's strategy and merge key from its tags.
type jsonField struct {
	index    []int
	strategy string
	mergeKey string
}

// jsonFieldCache maps a struct type to its fields by JSON name.
var jsonFieldCache sync.Map // reflect.Type -> map[string]jsonField

// jsonFieldsOf is t's exported fields by JSON name, with the fields of
// untagged embedded structs (TypeMeta's `json:",inline"`) promoted, as
// encoding/json sees them. A name that two fields claim is left out, so
// a patch naming it takes the document path.
func jsonFieldsOf(t reflect.Type) map[string]jsonField {
	if m, ok := jsonFieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	m := map[string]jsonField{}
	seen := map[string]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), prefix...), i)
			if sf.Anonymous && name == "" {
				// encoding/json promotes an embedded struct's fields; an
				// embedded pointer (none in the API types) is left out, so a
				// patch naming its fields takes the document path.
				if sf.Type.Kind() == reflect.Struct {
					walk(sf.Type, idx)
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if newerfields.Field(t, name) {
				// Unknown to the served version: the document path
				// reports it as an unknown field.
				continue
			}
			seen[name]++
			m[name] = jsonField{index: idx, strategy: sf.Tag.Get("patchStrategy"), mergeKey: sf.Tag.Get("patchMergeKey")}
		}
	}
	walk(t, nil)
	for name, n := range seen {
		if n > 1 {
			delete(m, name)
		}
	}
	jsonFieldCache.Store(t, m)
	return m
}
