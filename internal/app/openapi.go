package app

import (
	"reflect"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apiserver/openapi"
)

// newOpenAPI describes the served resources to the OpenAPI builder.
func newOpenAPI(resources []*apis.Resource) *openapi.Builder {
	var in []openapi.Resource
	for _, r := range resources {
		in = append(in, openapi.Resource{
			GVK:          r.GroupVersionKind(),
			Resource:     r.GVR.Resource,
			Namespaced:   r.Namespaced,
			Verbs:        r.Verbs,
			Subresources: r.Subresources,
			Type:         reflect.TypeOf(r.New()).Elem(),
			ListType:     reflect.TypeOf(r.NewList()).Elem(),
		})
	}
	return openapi.NewBuilder(in, Version.GitVersion)
}
