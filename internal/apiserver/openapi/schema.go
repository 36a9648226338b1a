package openapi

import "strings"

// jsonSchema is one schema object, shared by the v2 and v3 renderings. Ref
// holds a bare definition name while the model is built; render turns it
// into a "#/definitions/..." or "#/components/schemas/..." pointer. The
// fields are declared in the lexical order of their JSON names so that the
// encoded documents read like upstream's (which sorts keys).
type jsonSchema struct {
	Ref                  string                 `json:"$ref,omitempty"`
	AdditionalProperties *jsonSchema            `json:"additionalProperties,omitempty"`
	AllOf                []*jsonSchema          `json:"allOf,omitempty"`
	Default              any                    `json:"default,omitempty"`
	Description          string                 `json:"description,omitempty"`
	Format               string                 `json:"format,omitempty"`
	Items                *jsonSchema            `json:"items,omitempty"`
	OneOf                []*jsonSchema          `json:"oneOf,omitempty"`
	Properties           map[string]*jsonSchema `json:"properties,omitempty"`
	Required             []string               `json:"required,omitempty"`
	Type                 string                 `json:"type,omitempty"`
	GVK                  []gvkExtension         `json:"x-kubernetes-group-version-kind,omitempty"`
	ListMapKeys          []string               `json:"x-kubernetes-list-map-keys,omitempty"`
	ListType             string                 `json:"x-kubernetes-list-type,omitempty"`
	MapType              string                 `json:"x-kubernetes-map-type,omitempty"`
	PatchMergeKey        string                 `json:"x-kubernetes-patch-merge-key,omitempty"`
	PatchStrategy        string                 `json:"x-kubernetes-patch-strategy,omitempty"`
}

// gvkExtension is the value shape of x-kubernetes-group-version-kind.
type gvkExtension struct {
	Group   string `json:"group"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

// dialect says how a schema is written for one OpenAPI version.
type dialect struct {
	refPrefix string // "#/definitions/" or "#/components/schemas/"
	v3        bool   // keep defaults and oneOf, wrap refs that have siblings in allOf
}

var (
	dialectV2 = dialect{refPrefix: "#/definitions/"}
	dialectV3 = dialect{refPrefix: "#/components/schemas/", v3: true}
)

// render returns a copy of s written in dialect d. The model is never
// modified, so one model serves both versions.
func (d dialect) render(s *jsonSchema) *jsonSchema {
	if s == nil {
		return nil
	}
	out := *s
	out.AdditionalProperties = d.render(s.AdditionalProperties)
	out.Items = d.render(s.Items)
	out.AllOf = d.renderAll(s.AllOf)
	out.OneOf = d.renderAll(s.OneOf)
	if s.Properties != nil {
		out.Properties = make(map[string]*jsonSchema, len(s.Properties))
		for k, v := range s.Properties {
			out.Properties[k] = d.render(v)
		}
	}
	if !d.v3 {
		out.Default = nil
		out.OneOf = nil
	} else if len(out.OneOf) > 0 {
		out.Type = ""
	}
	if s.Ref == "" {
		return &out
	}
	ref := d.refPrefix + s.Ref
	out.Ref = ref
	if d.v3 && out.hasSiblings() {
		// OpenAPI 3.0 ignores siblings of $ref; upstream wraps the
		// reference in allOf so that descriptions and defaults survive.
		out.Ref = ""
		out.AllOf = []*jsonSchema{{Ref: ref}}
	}
	return &out
}

func (d dialect) renderAll(in []*jsonSchema) []*jsonSchema {
	if in == nil {
		return nil
	}
	out := make([]*jsonSchema, len(in))
	for i, s := range in {
		out[i] = d.render(s)
	}
	return out
}

// hasSiblings reports whether a $ref schema carries other keywords.
func (s *jsonSchema) hasSiblings() bool {
	return s.Default != nil || s.Description != "" || s.PatchStrategy != "" || s.PatchMergeKey != "" ||
		s.ListType != "" || s.MapType != "" || len(s.ListMapKeys) > 0
}

// refs calls fn with the name of every definition s refers to.
func (s *jsonSchema) refs(fn func(string)) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		fn(strings.TrimPrefix(s.Ref, dialectV2.refPrefix))
	}
	s.AdditionalProperties.refs(fn)
	s.Items.refs(fn)
	for _, a := range s.AllOf {
		a.refs(fn)
	}
	for _, a := range s.OneOf {
		a.refs(fn)
	}
	for _, p := range s.Properties {
		p.refs(fn)
	}
}
