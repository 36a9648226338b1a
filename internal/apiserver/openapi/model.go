package openapi

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/skiff-dev/skiff/internal/apis/newerfields"
)

// swaggerDocer is implemented by every k8s.io/api struct: the map holds the
// type's description under "" and each field's under its JSON name.
type swaggerDocer interface{ SwaggerDoc() map[string]string }

// customSchemaTyper is implemented by types that serialize as a scalar
// (Time, Quantity, IntOrString, Duration, ...).
type customSchemaTyper interface {
	OpenAPISchemaType() []string
	OpenAPISchemaFormat() string
}

// oneOfTyper gives the OpenAPI v3 alternatives of a scalar type.
type oneOfTyper interface{ OpenAPIV3OneOfTypes() []string }

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// modeler turns Go types into definitions by reflection. It is used by one
// goroutine at a time (the Builder's build).
type modeler struct {
	defs  map[string]*jsonSchema
	lists *listTypes // may be nil: list and map types are then left out
}

func newModeler(lists *listTypes) *modeler {
	return &modeler{defs: map[string]*jsonSchema{}, lists: lists}
}

// schemaFor returns the schema of a value of type t: a reference for named
// structs (defining them on first use) and an inline schema otherwise.
func (m *modeler) schemaFor(t reflect.Type) *jsonSchema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.Name() != "" {
		return &jsonSchema{Ref: m.define(t)}
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &jsonSchema{Type: "object"}
		m.addFields(s, "", t, docsOf(t))
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &jsonSchema{Type: "string", Format: "byte"}
		}
		return &jsonSchema{Type: "array", Items: m.element(t.Elem())}
	case reflect.Map:
		return &jsonSchema{Type: "object", AdditionalProperties: m.element(t.Elem())}
	case reflect.Interface:
		return &jsonSchema{Type: "object"}
	}
	typ, format := scalarType(t.Kind())
	return &jsonSchema{Type: typ, Format: format}
}

// element is the schema of a list item or map value: elements are never
// omitted, so upstream enforces their zero default.
func (m *modeler) element(t reflect.Type) *jsonSchema {
	s := m.schemaFor(t)
	s.Default = zeroDefault(t, false)
	return s
}

// scalarType maps a Go basic kind to an OpenAPI type and format, as
// kube-openapi's generator does.
func scalarType(k reflect.Kind) (string, string) {
	switch k {
	case reflect.Bool:
		return "boolean", ""
	case reflect.Int8, reflect.Uint8:
		return "integer", "byte"
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint16:
		return "integer", "int32"
	case reflect.Int64, reflect.Uint32, reflect.Uint64:
		return "integer", "int64"
	case reflect.Float32:
		return "number", "float"
	case reflect.Float64:
		return "number", "double"
	}
	return "string", ""
}

// define adds the definition of the named struct t (once) and returns its name.
func (m *modeler) define(t reflect.Type) string {
	name := definitionName(t)
	if _, ok := m.defs[name]; ok {
		return name
	}
	def := &jsonSchema{}
	m.defs[name] = def // before the fields, so that recursive types end
	docs := docsOf(t)
	def.Description = docs[""]
	if d, ok := typeDocs[name]; ok && def.Description == "" {
		def.Description = d
	}
	zero := reflect.New(t).Elem().Interface()
	if c, ok := zero.(customSchemaTyper); ok {
		if types := c.OpenAPISchemaType(); len(types) > 0 {
			def.Type = types[0]
		}
		def.Format = c.OpenAPISchemaFormat()
		if o, ok := zero.(oneOfTyper); ok {
			for _, typ := range o.OpenAPIV3OneOfTypes() {
				def.OneOf = append(def.OneOf, &jsonSchema{Type: typ})
			}
		}
		return name
	}
	def.Type = "object"
	m.addFields(def, name, t, docs)
	def.MapType = m.lists.structMapType(name)
	return name
}

// optionalFields are fields upstream marks +optional although their JSON
// tags lack omitempty; every other field without omitempty is required, as
// upstream's markers make it (DeploymentSpec.selector, PodSpec.containers).
var optionalFields = map[string]bool{
	"io.k8s.api.core.v1.ProjectedVolumeSource.sources":      true,
	"io.k8s.api.core.v1.TypedLocalObjectReference.apiGroup": true,
	"io.k8s.api.core.v1.TypedObjectReference.apiGroup":      true,
	"io.k8s.api.core.v1.GRPCAction.service":                 true,
}

// docsOf returns the SwaggerDoc map of t, or an empty map.
func docsOf(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Elem().Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	return map[string]string{}
}

// addFields adds the JSON properties of struct t to def, flattening inline
// (embedded) structs. owner is def's definition name, for list types.
func (m *modeler) addFields(def *jsonSchema, owner string, t reflect.Type, docs map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				m.addFields(def, owner, ft, docsOf(ft))
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if newerfields.Field(t, name) {
			continue // the served version does not have it
		}
		omitempty := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		required := !omitempty && !optionalFields[owner+"."+name]
		def.addProperty(name, m.property(f, owner, name, docs[name], omitempty), required)
	}
}

// property builds the schema of one struct field.
func (m *modeler) property(f reflect.StructField, owner, name, doc string, omitempty bool) *jsonSchema {
	s := m.schemaFor(f.Type)
	if doc == "" {
		doc = typeDocs[owner+"."+name]
	}
	s.Description = doc
	s.Default = zeroDefault(f.Type, omitempty)
	s.PatchStrategy = f.Tag.Get("patchStrategy")
	s.PatchMergeKey = f.Tag.Get("patchMergeKey")
	s.ListType, s.ListMapKeys, s.MapType = m.lists.field(owner, name)
	return s
}

func (s *jsonSchema) addProperty(name string, p *jsonSchema, required bool) {
	if s.Properties == nil {
		s.Properties = map[string]*jsonSchema{}
	}
	if _, dup := s.Properties[name]; dup {
		return // an outer field shadows an inlined one, as in encoding/json
	}
	s.Properties[name] = p
	if required {
		s.Required = append(s.Required, name)
	}
}

// zeroDefault is the default upstream's generator enforces for a field
// that is not a pointer: {} for structs, and the zero value for scalars
// without omitempty. Types with custom unmarshalling have none.
func zeroDefault(t reflect.Type, omitempty bool) any {
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Array, reflect.Interface:
		return nil
	case reflect.Struct:
		if t.NumField() == 1 && t.Field(0).Anonymous {
			return zeroDefault(t.Field(0).Type, omitempty)
		}
		return map[string]any{}
	}
	if omitempty {
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		return ""
	case reflect.Bool:
		return false
	}
	return 0
}
