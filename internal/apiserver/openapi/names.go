package openapi

import (
	"reflect"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// modelNamer is implemented by the k8s.io/api and apimachinery types: their
// generated OpenAPIModelName methods return upstream's definition names.
type modelNamer interface{ OpenAPIModelName() string }

// definitionName returns upstream's OpenAPI definition name of a named Go
// type: OpenAPIModelName when the type has one, otherwise the package path
// with its domain reversed ("k8s.io/api/apps/v1" + "Deployment" ->
// "io.k8s.api.apps.v1.Deployment").
func definitionName(t reflect.Type) string {
	if n, ok := reflect.New(t).Elem().Interface().(modelNamer); ok {
		if name := n.OpenAPIModelName(); name != "" {
			return name
		}
	}
	return namespaceFromPath(t.PkgPath()) + "." + t.Name()
}

// namespaceFromPath turns a Go package path into a dotted OpenAPI name
// prefix: the first path element is a domain and is reversed.
func namespaceFromPath(pkg string) string {
	parts := strings.Split(pkg, "/")
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	out := append(domain, parts[1:]...)
	for i, p := range out {
		out[i] = strings.ReplaceAll(p, "-", "_")
	}
	return strings.Join(out, ".")
}

// groupWords splits an API group into upstream's operationId words:
// "" -> [core], "rbac.authorization.k8s.io" -> [rbac authorization].
func groupWords(group string) []string {
	if group == "" {
		return []string{"core"}
	}
	group = strings.TrimSuffix(group, ".k8s.io")
	return strings.Split(group, ".")
}

// groupPart is the group as it appears in operation IDs ("RbacAuthorization").
func groupPart(group string) string {
	var b strings.Builder
	for _, w := range groupWords(group) {
		b.WriteString(upperFirst(w))
	}
	return b.String()
}

// groupTag is the group as it appears in tags ("rbacAuthorization").
func groupTag(group string) string {
	p := groupPart(group)
	return lowerFirst(p)
}

// versionTag is the tag of a group version's operations ("apps_v1").
func versionTag(gv schema.GroupVersion) string {
	return groupTag(gv.Group) + "_" + gv.Version
}

// gvPrefix is the operationId infix of a group version ("AppsV1").
func gvPrefix(gv schema.GroupVersion) string {
	return groupPart(gv.Group) + upperFirst(gv.Version)
}

// gvPath is the URL prefix of a group version ("/apis/apps/v1").
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}

// gvKey is the key of a group version in the OpenAPI v3 discovery document
// ("api/v1", "apis/apps/v1").
func gvKey(gv schema.GroupVersion) string {
	return strings.TrimPrefix(gvPath(gv), "/")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
