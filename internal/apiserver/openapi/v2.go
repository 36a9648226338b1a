package openapi

// The swagger 2.0 document, as kubectl reads it through gnostic.

type swaggerDoc struct {
	Definitions         map[string]*jsonSchema    `json:"definitions"`
	Info                info                      `json:"info"`
	Paths               map[string]map[string]any `json:"paths"`
	Security            []map[string][]string     `json:"security"`
	SecurityDefinitions map[string]apiKeyScheme   `json:"securityDefinitions"`
	Swagger             string                    `json:"swagger"`
}

type v2Operation struct {
	Consumes    []string              `json:"consumes,omitempty"`
	Description string                `json:"description"`
	OperationID string                `json:"operationId"`
	Parameters  []v2Param             `json:"parameters,omitempty"`
	Produces    []string              `json:"produces,omitempty"`
	Responses   map[string]v2Response `json:"responses"`
	Schemes     []string              `json:"schemes"`
	Tags        []string              `json:"tags,omitempty"`
	Action      string                `json:"x-kubernetes-action,omitempty"`
	GVK         *gvkExtension         `json:"x-kubernetes-group-version-kind,omitempty"`
}

type v2Param struct {
	Description string      `json:"description,omitempty"`
	In          string      `json:"in"`
	Name        string      `json:"name"`
	Required    bool        `json:"required,omitempty"`
	Schema      *jsonSchema `json:"schema,omitempty"`
	Type        string      `json:"type,omitempty"`
	UniqueItems bool        `json:"uniqueItems,omitempty"`
}

type v2Response struct {
	Description string      `json:"description"`
	Schema      *jsonSchema `json:"schema,omitempty"`
}

func (m *model) swagger(ps pathSet, ver string) *swaggerDoc {
	doc := &swaggerDoc{
		Definitions:         renderDefs(dialectV2, m.defs),
		Info:                info{Title: "Kubernetes", Version: ver},
		Paths:               map[string]map[string]any{},
		Security:            bearerSecurity,
		SecurityDefinitions: bearerScheme,
		Swagger:             "2.0",
	}
	for path, item := range ps {
		out := map[string]any{}
		if len(item.params) > 0 {
			out["parameters"] = v2Params(item.params)
		}
		for _, op := range sortedOps(item) {
			out[op.method] = v2Op(op)
		}
		doc.Paths[path] = out
	}
	return doc
}

func v2Params(ps []param) []v2Param {
	out := make([]v2Param, 0, len(ps))
	for _, p := range ps {
		out = append(out, v2Param{Description: p.desc, In: p.in, Name: p.name, Required: p.required,
			Type: p.typ, UniqueItems: true})
	}
	return out
}

func v2Op(op operation) v2Operation {
	out := v2Operation{Consumes: op.consumes, Description: op.desc, OperationID: op.id,
		Produces: op.produces, Responses: map[string]v2Response{}, Schemes: []string{"https"},
		Tags: tags(op), Action: op.action, GVK: gvkOf(op)}
	if op.body != "" {
		out.Parameters = append(out.Parameters, v2Param{In: "body", Name: "body", Required: op.bodyReq,
			Schema: &jsonSchema{Ref: dialectV2.refPrefix + op.body}})
	}
	out.Parameters = append(out.Parameters, v2Params(op.params)...)
	for _, r := range op.responses {
		resp := v2Response{Description: r.desc}
		switch {
		case r.ref != "":
			resp.Schema = &jsonSchema{Ref: dialectV2.refPrefix + r.ref}
		case r.typ != "":
			resp.Schema = &jsonSchema{Type: r.typ}
		}
		out.Responses[r.code] = resp
	}
	return out
}
