package openapi

import (
	"reflect"

	authenticationv1 "k8s.io/api/authentication/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// subKind is the kind a subresource reads and writes when it is not the
// resource's own kind.
type subKind struct {
	gvk schema.GroupVersionKind
	typ reflect.Type
}

// subresourceKinds maps subresources to their own kinds, as upstream serves them.
var subresourceKinds = map[string]subKind{
	"scale":    {autoscalingv1.SchemeGroupVersion.WithKind("Scale"), reflect.TypeFor[autoscalingv1.Scale]()},
	"binding":  {corev1.SchemeGroupVersion.WithKind("Binding"), reflect.TypeFor[corev1.Binding]()},
	"eviction": {policyv1.SchemeGroupVersion.WithKind("Eviction"), reflect.TypeFor[policyv1.Eviction]()},
	"token":    {authenticationv1.SchemeGroupVersion.WithKind("TokenRequest"), reflect.TypeFor[authenticationv1.TokenRequest]()},
}

// createOnly lists subresources that only accept POST.
var createOnly = map[string]bool{"binding": true, "eviction": true, "token": true}

// connectMethods are the HTTP methods each connect subresource answers.
var connectMethods = map[string][]string{
	"exec":        {"get", "post"},
	"attach":      {"get", "post"},
	"portforward": {"get", "post"},
	"proxy":       {"delete", "get", "head", "options", "patch", "post", "put"},
}

// addSubresource adds the path(s) of subresource sub of the resource n.
// object is the definition name the subresource reads and writes and gvk
// its kind.
func (ps pathSet) addSubresource(n resourceNames, sub, object string, gvk schema.GroupVersionKind) {
	path := n.itemPath() + "/" + sub
	id := n.idFor(upperFirst(sub))
	what := sub + " of the specified " + n.kind
	tag := func(ops ...operation) []operation {
		for i := range ops {
			if ops[i].gvk == nil {
				ops[i].gvk = &gvk
			}
		}
		return ops
	}
	switch {
	case sub == "log":
		op := readOp(id, "log of the specified "+n.kind, "")
		op.params = queryParams(connectOptions[n.kind+"/log"])
		op.produces = []string{"text/plain", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
		op.responses = []response{{code: "200", desc: "OK", typ: "string"}, unauthorized}
		ps.add(path, n.itemParams(), tag(op)...)
	case connectMethods[sub] != nil:
		ps.addConnect(n, sub)
	case createOnly[sub]:
		ps.add(path, n.itemParams(), tag(createOp(id, sub+" of "+article(n.kind), object))...)
	case sub == "finalize":
		ps.add(path, n.itemParams(), tag(replaceOp(id, "finalize of the specified "+n.kind, object))...)
	default:
		ps.add(path, n.itemParams(), tag(readOp(id, what, object), replaceOp(id, what, object),
			patchOp(id, what, object))...)
	}
}

// addConnect adds a connect subresource (exec, attach, portforward, proxy).
// Its operations carry the GVK of the options kind, as upstream's do.
func (ps pathSet) addConnect(n resourceNames, sub string) {
	opts := connectOptions[n.kind+"/"+sub]
	var gvk *schema.GroupVersionKind
	var query []param
	if opts != nil {
		t := reflect.TypeOf(opts)
		k := n.gv.WithKind(t.Name())
		gvk = &k
		query = queryParams(opts)
	}
	build := func(suffix, pathDesc string, q []param) []operation {
		var ops []operation
		for _, m := range connectMethods[sub] {
			ops = append(ops, operation{method: m, action: "connect",
				id:   "connect" + gvPrefix(n.gv) + upperFirst(m) + n.idFor(upperFirst(sub) + suffix)[len(gvPrefix(n.gv)):],
				desc: "connect " + upper(m) + " requests to " + sub + " of " + n.kind + pathDesc,
				gvk:  gvk, params: q, consumes: mediaAny, produces: mediaAny,
				responses: []response{{code: "200", desc: "OK", typ: "string"}, unauthorized}})
		}
		return ops
	}
	params := append([]param{nameParam("name of the " + t(opts, n.kind))}, n.scopeParams()...)
	ps.add(n.itemPath()+"/"+sub, params, build("", "", query)...)
	if sub == "proxy" {
		var noPath []param
		for _, p := range query {
			if p.name != "path" {
				noPath = append(noPath, p)
			}
		}
		withPath := sortedWith(params, param{name: "path", in: "path", desc: "path to the resource", typ: "string", required: true})
		ps.add(n.itemPath()+"/"+sub+"/{path}", withPath, build("WithPath", "", noPath)...)
	}
}

// t names the options kind in the name parameter's description.
func t(opts any, kind string) string {
	if opts == nil {
		return kind
	}
	return reflect.TypeOf(opts).Name()
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
