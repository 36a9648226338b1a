package apiserver

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	sjson "sigs.k8s.io/json"
)

// strategicPatchTyped applies a strategic merge patch to a copy of current
// field by field, as mergePatchTyped applies a merge patch, instead of
// encoding current to JSON, merging the decoded documents and decoding
// the result. A strategic merge patch differs from a merge patch in its
// lists: one whose field is tagged patchStrategy "merge" merges its
// elements by their patchMergeKey. That is the scheduler's PodScheduled
// condition, written for every pod it cannot place; through the document
// path it was about a tenth of the server's CPU while pods were created
// and could not be scheduled.
//
// It reports false, having changed nothing, for anything it does not
// handle exactly as the document path does, on top of what
// mergePatchTyped declines: directives ($patch, $setElementOrder,
// $retainKeys, $deleteFromPrimitiveList, which name no field), merged
// lists of scalars, a merge key that is not a non-empty string, elements
// that share a key (in the patch or in the list), an element the list
// does not hold yet (unless the list is empty), elements in another order
// than the list's, and objects merged into maps whose values are not
// scalars.
func strategicPatchTyped(current runtime.Object, patch []byte) (runtime.Object, bool) {
	return patchTyped(current, patch, true)
}

// strategicField applies raw to f where a strategic merge patch differs
// from a merge patch; done is false where they agree, for mergeField to go
// on as for a merge patch.
func strategicField(f reflect.Value, raw json.RawMessage, jf jsonField) (done bool, err error) {
	switch {
	case raw[0] == '[' && strings.Contains(jf.strategy, "merge"):
		return true, mergeList(f, raw, jf.mergeKey)
	case raw[0] != '{':
		return false, nil
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct && !customJSON(f.Type().Elem()):
		// An object merges into the struct pointed to, a new one if
		// the field is nil: the patch's value then stands as it is.
		var sub map[string]json.RawMessage
		if errs, err := sjson.UnmarshalStrict(raw, &sub); err != nil || len(errs) > 0 {
			return true, errDocumentPath
		}
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		return true, mergeStruct(f.Elem(), sub, true)
	case f.Kind() == reflect.Map && scalar(f.Type().Elem()):
		return false, nil // merged key by key either way
	}
	return true, errDocumentPath
}

// scalar reports whether a value of t is a JSON scalar: no list or object
// inside it that a strategic merge would treat apart.
func scalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	case reflect.Struct:
		return customJSON(t) // resource.Quantity, metav1.Time
	}
	return false
}

// mergeList merges the patch's list raw into the list f by the elements'
// key field (a non-empty string): an element already there merges into it, field by field; an
// empty list takes the patch's elements as they are.
func mergeList(f reflect.Value, raw json.RawMessage, key string) error {
	if f.Kind() != reflect.Slice || key == "" {
		return errDocumentPath
	}
	et := f.Type().Elem()
	if et.Kind() != reflect.Struct || customJSON(et) {
		return errDocumentPath
	}
	kf, ok := jsonFieldsOf(et)[key]
	if !ok || et.FieldByIndex(kf.index).Type.Kind() != reflect.String {
		return errDocumentPath
	}
	var items []map[string]json.RawMessage
	if errs, err := sjson.UnmarshalStrict(raw, &items); err != nil || len(errs) > 0 {
		return errDocumentPath
	}
	keys := make([]string, len(items))
	for i, it := range items {
		kraw, ok := it[key]
		if !ok {
			return errDocumentPath
		}
		if errs, err := sjson.UnmarshalStrict(kraw, &keys[i]); err != nil || len(errs) > 0 || keys[i] == "" {
			// An empty key may be left out of an element's document
			// (omitempty), where the document path would not find it.
			return errDocumentPath
		}
		for _, k := range keys[:i] {
			if k == keys[i] {
				return errDocumentPath
			}
		}
	}
	if f.Len() == 0 {
		fresh := reflect.New(f.Type())
		if errs, err := sjson.UnmarshalStrict(raw, fresh.Interface()); err != nil || len(errs) > 0 {
			return errDocumentPath
		}
		f.Set(fresh.Elem())
		return nil
	}
	// Elements sharing a key (env vars may) are put in an order of its
	// own by the document path.
	for i := range f.Len() {
		for j := range i {
			if f.Index(i).FieldByIndex(kf.index).String() == f.Index(j).FieldByIndex(kf.index).String() {
				return errDocumentPath
			}
		}
	}
	last := -1
	for i, it := range items {
		at := -1
		for j := range f.Len() {
			if f.Index(j).FieldByIndex(kf.index).String() == keys[i] {
				at = j
				break
			}
		}
		if at <= last {
			return errDocumentPath // a new element, or out of the list's order
		}
		last = at
		if err := mergeStruct(f.Index(at), it, true); err != nil {
			return err
		}
	}
	return nil
}
