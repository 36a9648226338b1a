package openapi

// The OpenAPI 3.0 documents, one per group version, as kubectl reads them
// (explain, server-side field validation detection, apply patch metadata).

type openAPI3Doc struct {
	Components v3Components              `json:"components"`
	Info       info                      `json:"info"`
	OpenAPI    string                    `json:"openapi"`
	Paths      map[string]map[string]any `json:"paths"`
	Security   []map[string][]string     `json:"security"`
}

type v3Components struct {
	Schemas         map[string]*jsonSchema  `json:"schemas,omitempty"`
	SecuritySchemes map[string]apiKeyScheme `json:"securitySchemes"`
}

type v3Operation struct {
	Description string                `json:"description"`
	OperationID string                `json:"operationId"`
	Parameters  []v3Param             `json:"parameters,omitempty"`
	RequestBody *v3Body               `json:"requestBody,omitempty"`
	Responses   map[string]v3Response `json:"responses"`
	Tags        []string              `json:"tags,omitempty"`
	Action      string                `json:"x-kubernetes-action,omitempty"`
	GVK         *gvkExtension         `json:"x-kubernetes-group-version-kind,omitempty"`
}

type v3Param struct {
	Description string        `json:"description,omitempty"`
	In          string        `json:"in"`
	Name        string        `json:"name"`
	Required    bool          `json:"required,omitempty"`
	Schema      v3ParamSchema `json:"schema"`
}

type v3ParamSchema struct {
	Type        string `json:"type"`
	UniqueItems bool   `json:"uniqueItems"`
}

type v3Body struct {
	Content  map[string]v3Media `json:"content"`
	Required bool               `json:"required,omitempty"`
}

type v3Media struct {
	Schema *jsonSchema `json:"schema"`
}

type v3Response struct {
	Content     map[string]v3Media `json:"content,omitempty"`
	Description string             `json:"description"`
}

func (m *model) openAPI3(ps pathSet, ver string) *openAPI3Doc {
	doc := &openAPI3Doc{
		Components: v3Components{Schemas: renderDefs(dialectV3, m.closure(ps)), SecuritySchemes: bearerScheme},
		Info:       info{Title: "Kubernetes", Version: ver},
		OpenAPI:    "3.0.0",
		Paths:      map[string]map[string]any{},
		Security:   bearerSecurity,
	}
	for path, item := range ps {
		out := map[string]any{}
		if len(item.params) > 0 {
			out["parameters"] = v3Params(item.params)
		}
		for _, op := range sortedOps(item) {
			out[op.method] = v3Op(op)
		}
		doc.Paths[path] = out
	}
	return doc
}

func v3Params(ps []param) []v3Param {
	out := make([]v3Param, 0, len(ps))
	for _, p := range ps {
		out = append(out, v3Param{Description: p.desc, In: p.in, Name: p.name, Required: p.required,
			Schema: v3ParamSchema{Type: p.typ, UniqueItems: true}})
	}
	return out
}

// content returns one media entry per media type, all with schema s.
func content(types []string, s *jsonSchema) map[string]v3Media {
	out := make(map[string]v3Media, len(types))
	for _, t := range types {
		out[t] = v3Media{Schema: s}
	}
	return out
}

func v3Op(op operation) v3Operation {
	out := v3Operation{Description: op.desc, OperationID: op.id, Parameters: v3Params(op.params),
		Responses: map[string]v3Response{}, Tags: tags(op), Action: op.action, GVK: gvkOf(op)}
	if len(out.Parameters) == 0 {
		out.Parameters = nil
	}
	if op.body != "" {
		out.RequestBody = &v3Body{Required: op.bodyReq,
			Content: content(op.consumes, &jsonSchema{Ref: dialectV3.refPrefix + op.body})}
	}
	for _, r := range op.responses {
		resp := v3Response{Description: r.desc}
		switch {
		case r.ref != "":
			resp.Content = content(op.produces, &jsonSchema{Ref: dialectV3.refPrefix + r.ref})
		case r.typ != "":
			resp.Content = content(op.produces, &jsonSchema{Type: r.typ})
		}
		out.Responses[r.code] = resp
	}
	return out
}
