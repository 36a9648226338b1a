package newerfields

import (
	"bytes"
	"reflect"
	"sort"
	"sync"
)

// Present returns the JSON paths of the newer fields that doc sets for an
// object of type t (a pointer or a struct), whatever their values. doc is
// the JSON document as encoding/json decodes it into an any (objects as
// map[string]any, arrays as []any). Upstream names a key it does not know
// an unknown field even when its value is null, empty or zero, which the
// decoded object cannot show: Strip sees only fields that are set.
func Present(t reflect.Type, doc any) []string {
	p := planFor(t)
	if p == nil {
		return nil
	}
	s := stripper{at: make([]segment, 0, 8)}
	s.find(doc, p)
	return s.paths
}

// find records the newer fields under doc, of plan p, that doc has keys
// for. Parts of doc that do not have the plan's JSON shape are skipped:
// the typed decoding has already refused them.
func (s *stripper) find(doc any, p *plan) {
	switch p.kind {
	case reflect.Pointer:
		s.find(doc, p.elem)
	case reflect.Struct:
		m, ok := doc.(map[string]any)
		if !ok {
			return
		}
		for _, f := range p.fields {
			if f.name == "" { // inlined: its fields are keys of this object
				s.find(m, f.nested)
				continue
			}
			v, ok := m[f.name]
			switch {
			case !ok:
			case f.newer:
				s.record(f.name)
			default:
				s.at = append(s.at, segment{name: f.name, index: -1})
				s.find(v, f.nested)
				s.at = s.at[:len(s.at)-1]
			}
		}
	case reflect.Slice, reflect.Array:
		l, ok := doc.([]any)
		if !ok {
			return
		}
		for i, v := range l {
			s.at = append(s.at, segment{index: i})
			s.find(v, p.elem)
			s.at = s.at[:len(s.at)-1]
		}
	case reflect.Map:
		m, ok := doc.(map[string]any)
		if !ok {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.at = append(s.at, segment{name: k, index: -1})
			s.find(m[k], p.elem)
			s.at = s.at[:len(s.at)-1]
		}
	}
}

// names is every newer field's JSON name, once.
var names = sync.OnceValue(func() [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, fields := range table {
		for _, f := range fields {
			if !seen[f] {
				seen[f] = true
				out = append(out, []byte(f))
			}
		}
	}
	return out
})

// Mentions reports whether data (a JSON or YAML document) contains the
// name of any newer field. When it does not, no key of the document is
// one, and Present need not be asked: a cheap test before decoding the
// document a second time.
func Mentions(data []byte) bool {
	for _, n := range names() {
		if bytes.Contains(data, n) {
			return true
		}
	}
	return false
}
