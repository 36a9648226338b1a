package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// operation is one HTTP operation, independent of the OpenAPI version.
type operation struct {
	method    string // get put post patch delete options head
	action    string // x-kubernetes-action
	id, desc  string
	gvk       *schema.GroupVersionKind
	tag       string
	params    []param
	body      string // definition name of the request body; "" for none
	bodyReq   bool
	consumes  []string
	produces  []string
	responses []response
}

// response is one response of an operation. ref names a definition; typ is
// used instead when the body is a plain string (logs, connect).
type response struct {
	code, desc, ref, typ string
}

// pathItem is one URL path: its shared parameters and its operations.
type pathItem struct {
	params []param
	ops    []operation
}

// Media types of request and response bodies.
var (
	mediaObject = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
	mediaList   = append(append([]string(nil), mediaObject...),
		"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
	mediaWatch = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
		"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"}
	mediaAny   = []string{"*/*"}
	mediaPatch = []string{"application/json-patch+json", "application/merge-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml"}
)

// Definition names the paths refer to.
const (
	defStatus        = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
	defDeleteOptions = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
	defPatch         = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
	defWatchEvent    = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
	defAPIResources  = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"
	defAPIGroup      = "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup"
	defAPIGroupList  = "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList"
	defAPIVersions   = "io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions"
	defVersionInfo   = "io.k8s.apimachinery.pkg.version.Info"
)

func ok(ref string) response      { return response{code: "200", desc: "OK", ref: ref} }
func created(ref string) response { return response{code: "201", desc: "Created", ref: ref} }
func accepted(ref string) response {
	return response{code: "202", desc: "Accepted", ref: ref}
}

var unauthorized = response{code: "401", desc: "Unauthorized"}

// readOp, replaceOp, patchOp, createOp build the common operation shapes
// on object; what names the target in descriptions ("the specified
// Deployment", "status of the specified Deployment").
func readOp(id, what, object string) operation {
	return operation{method: "get", action: "get", id: "read" + id, desc: "read " + what,
		consumes: mediaAny, produces: mediaObject, responses: []response{ok(object), unauthorized}}
}

func replaceOp(id, what, object string) operation {
	return operation{method: "put", action: "put", id: "replace" + id, desc: "replace " + what,
		params: updateParams(), body: object, bodyReq: true, consumes: mediaAny, produces: mediaObject,
		responses: []response{ok(object), created(object), unauthorized}}
}

func patchOp(id, what, object string) operation {
	return operation{method: "patch", action: "patch", id: "patch" + id, desc: "partially update " + what,
		params: patchParams(), body: defPatch, bodyReq: true, consumes: mediaPatch, produces: mediaObject,
		responses: []response{ok(object), created(object), unauthorized}}
}

func createOp(id, what, object string) operation {
	return operation{method: "post", action: "post", id: "create" + id, desc: "create " + what,
		params: createParams(), body: object, bodyReq: true, consumes: mediaAny, produces: mediaObject,
		responses: []response{ok(object), created(object), accepted(object), unauthorized}}
}
