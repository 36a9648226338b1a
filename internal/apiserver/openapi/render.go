package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"sort"
)

type info struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

type apiKeyScheme struct {
	Description string `json:"description"`
	In          string `json:"in"`
	Name        string `json:"name"`
	Type        string `json:"type"`
}

var (
	bearerScheme = map[string]apiKeyScheme{"BearerToken": {
		Description: "Bearer Token authentication", In: "header", Name: "authorization", Type: "apiKey"}}
	bearerSecurity = []map[string][]string{{"BearerToken": {}}}
)

// encode renders and encodes the v2 document, every v3 document and the
// v3 discovery document.
func (m *model) encode(ver string) (*documents, error) {
	docs := &documents{v3: map[string]Doc{}}
	all := pathSet{}
	for _, ps := range m.paths {
		all.merge(ps)
	}
	v2, err := json.Marshal(m.swagger(all, ver))
	if err != nil {
		return nil, fmt.Errorf("encode openapi v2: %w", err)
	}
	if docs.v2, err = compress(v2); err != nil {
		return nil, err
	}
	type entry struct {
		URL string `json:"serverRelativeURL"`
	}
	discovery := map[string]entry{}
	for key, ps := range m.paths {
		b, err := json.Marshal(m.openAPI3(ps, ver))
		if err != nil {
			return nil, fmt.Errorf("encode openapi v3 %s: %w", key, err)
		}
		if docs.v3[key], err = compress(b); err != nil {
			return nil, err
		}
		discovery[key] = entry{URL: fmt.Sprintf("/openapi/v3/%s?hash=%X", key, sha512.Sum512(b))}
	}
	if docs.v3Discovery, err = json.Marshal(map[string]any{"paths": discovery}); err != nil {
		return nil, fmt.Errorf("encode openapi v3 discovery: %w", err)
	}
	return docs, nil
}

// closure returns the definitions ps refers to, directly or through other
// definitions.
func (m *model) closure(ps pathSet) map[string]*jsonSchema {
	out := map[string]*jsonSchema{}
	var visit func(string)
	visit = func(name string) {
		if _, done := out[name]; done || name == "" || m.defs[name] == nil {
			return
		}
		out[name] = m.defs[name]
		m.defs[name].refs(visit)
	}
	for _, item := range ps {
		for _, op := range item.ops {
			visit(op.body)
			for _, r := range op.responses {
				visit(r.ref)
			}
		}
	}
	return out
}

// renderDefs renders defs in dialect d.
func renderDefs(d dialect, defs map[string]*jsonSchema) map[string]*jsonSchema {
	out := make(map[string]*jsonSchema, len(defs))
	for name, s := range defs {
		out[name] = d.render(s)
	}
	return out
}

// sortedOps returns a path's operations ordered by method, for stable output.
func sortedOps(item *pathItem) []operation {
	ops := append([]operation(nil), item.ops...)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].method < ops[j].method })
	return ops
}

func gvkOf(op operation) *gvkExtension {
	if op.gvk == nil {
		return nil
	}
	return &gvkExtension{Group: op.gvk.Group, Kind: op.gvk.Kind, Version: op.gvk.Version}
}

func tags(op operation) []string {
	if op.tag == "" {
		return nil
	}
	return []string{op.tag}
}
