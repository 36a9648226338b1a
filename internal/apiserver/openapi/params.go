package openapi

import (
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/apis/newerfields"
)

// param is one non-body parameter of an operation or path.
type param struct {
	name, in, desc, typ string
	required            bool
}

const prettyDoc = "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."

func prettyParam() param { return param{name: "pretty", in: "query", desc: prettyDoc, typ: "string"} }

func namespaceParam() param {
	return param{name: "namespace", in: "path", desc: "object name and auth scope, such as for teams and projects", typ: "string", required: true}
}

func nameParam(desc string) param {
	return param{name: "name", in: "path", desc: desc, typ: "string", required: true}
}

// queryParams derives query parameters from an options struct the way
// upstream does: one parameter per JSON field, documented by SwaggerDoc.
// Struct-valued fields (like DeleteOptions.preconditions) and TypeMeta are
// skipped; skip names further fields to leave out.
func queryParams(opts any, skip ...string) []param {
	t := reflect.TypeOf(opts)
	docs := docsOf(t)
	var out []param
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" || name == "-" || contains(skip, name) || newerfields.Field(t, name) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var typ string
		switch ft.Kind() {
		case reflect.Struct, reflect.Map:
			continue
		case reflect.Bool:
			typ = "boolean"
		case reflect.Int, reflect.Int32, reflect.Int64:
			typ = "integer"
		default:
			typ = "string" // strings and repeated strings (dryRun, command)
		}
		out = append(out, param{name: name, in: "query", desc: docs[name], typ: typ})
	}
	sortParams(out)
	return out
}

func sortParams(ps []param) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].name < ps[j].name })
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The query parameters of each kind of operation.
var (
	listParams   = func() []param { return queryParams(metav1.ListOptions{}) }
	createParams = func() []param { return queryParams(metav1.CreateOptions{}) }
	updateParams = func() []param { return queryParams(metav1.UpdateOptions{}) }
	patchParams  = func() []param { return queryParams(metav1.PatchOptions{}) }
	deleteParams = func() []param { return queryParams(metav1.DeleteOptions{}) }
)

// deleteCollectionParams merges the delete and list options, as upstream's
// deletecollection does (without the watch parameters).
func deleteCollectionParams() []param {
	out := deleteParams()
	for _, p := range queryParams(metav1.ListOptions{}, "watch", "allowWatchBookmarks") {
		if !hasParam(out, p.name) {
			out = append(out, p)
		}
	}
	sortParams(out)
	return out
}

func hasParam(ps []param, name string) bool {
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}

// connectOptions are the option types of the core connect and log
// subresources, keyed by "<kind>/<subresource>".
var connectOptions = map[string]any{
	"Pod/exec":        corev1.PodExecOptions{},
	"Pod/attach":      corev1.PodAttachOptions{},
	"Pod/portforward": corev1.PodPortForwardOptions{},
	"Pod/proxy":       corev1.PodProxyOptions{},
	"Pod/log":         corev1.PodLogOptions{},
	"Service/proxy":   corev1.ServiceProxyOptions{},
	"Node/proxy":      corev1.NodeProxyOptions{},
}
