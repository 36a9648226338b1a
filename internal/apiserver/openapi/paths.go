package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// pathSet holds the paths of one group version, keyed by URL path.
type pathSet map[string]*pathItem

func (ps pathSet) add(path string, params []param, ops ...operation) {
	if len(ops) == 0 {
		return
	}
	item, found := ps[path]
	if !found {
		item = &pathItem{params: params}
		ps[path] = item
	}
	item.ops = append(item.ops, ops...)
}

// resourceNames are the names a resource's operations are built from.
type resourceNames struct {
	gv         schema.GroupVersion
	kind       string // "Deployment"
	plural     string // "deployments"
	namespaced bool
	object     string // definition name of the kind
	list       string // definition name of the list kind; "" when none
	verbs      map[string]bool
}

// idFor returns the operationId suffix "AppsV1NamespacedDeployment" + extra.
func (n resourceNames) idFor(extra string) string {
	scope := ""
	if n.namespaced {
		scope = "Namespaced"
	}
	return gvPrefix(n.gv) + scope + n.kind + extra
}

// collectionPath and itemPath are the URL paths of the resource.
func (n resourceNames) collectionPath() string {
	if n.namespaced {
		return gvPath(n.gv) + "/namespaces/{namespace}/" + n.plural
	}
	return gvPath(n.gv) + "/" + n.plural
}

func (n resourceNames) itemPath() string { return n.collectionPath() + "/{name}" }

// scopeParams are the path parameters before any of the resource's own.
func (n resourceNames) scopeParams() []param {
	if n.namespaced {
		return []param{namespaceParam()}
	}
	return nil
}

func (n resourceNames) itemParams() []param {
	ps := append([]param{nameParam("name of the " + n.kind)}, n.scopeParams()...)
	return append(ps, prettyParam())
}

// addResource adds the paths of the main resource (not subresources).
func (ps pathSet) addResource(n resourceNames) {
	var coll, item []operation
	if n.verbs["list"] && n.list != "" {
		coll = append(coll, operation{method: "get", action: "list", id: "list" + n.idFor(""),
			desc: "list or watch objects of kind " + n.kind, params: listParams(), consumes: mediaAny,
			produces: mediaList, responses: []response{ok(n.list), unauthorized}})
	}
	if n.verbs["create"] {
		coll = append(coll, createOp(n.idFor(""), article(n.kind), n.object))
	}
	if n.verbs["deletecollection"] {
		coll = append(coll, operation{method: "delete", action: "deletecollection",
			id:   "delete" + gvPrefix(n.gv) + "Collection" + n.idFor("")[len(gvPrefix(n.gv)):],
			desc: "delete collection of " + n.kind, params: deleteCollectionParams(), body: defDeleteOptions,
			consumes: mediaAny, produces: mediaObject, responses: []response{ok(defStatus), unauthorized}})
	}
	specified := "the specified " + n.kind
	if n.verbs["get"] {
		item = append(item, readOp(n.idFor(""), specified, n.object))
	}
	if n.verbs["update"] {
		item = append(item, replaceOp(n.idFor(""), specified, n.object))
	}
	if n.verbs["patch"] {
		item = append(item, patchOp(n.idFor(""), specified, n.object))
	}
	if n.verbs["delete"] {
		item = append(item, operation{method: "delete", action: "delete", id: "delete" + n.idFor(""),
			desc: "delete " + article(n.kind), params: deleteParams(), body: defDeleteOptions,
			consumes: mediaAny, produces: mediaObject,
			responses: []response{ok(defStatus), accepted(defStatus), unauthorized}})
	}
	ps.add(n.collectionPath(), append(n.scopeParams(), prettyParam()), coll...)
	ps.add(n.itemPath(), n.itemParams(), item...)
	ps.addWatches(n)
}

// addWatches adds the deprecated watch paths and, for namespaced
// resources, the list and watch paths across all namespaces.
func (ps pathSet) addWatches(n resourceNames) {
	if n.list == "" {
		return
	}
	watchParams := append(listParams(), prettyParam())
	watch := func(id, desc, action string) operation {
		return operation{method: "get", action: action, id: id, desc: desc, consumes: mediaAny,
			produces: mediaWatch, responses: []response{ok(defWatchEvent), unauthorized}}
	}
	scope := ""
	if n.namespaced {
		scope = "/namespaces/{namespace}"
	}
	if n.verbs["watch"] {
		ps.add(gvPath(n.gv)+"/watch"+scope+"/"+n.plural, sortedWith(watchParams, n.scopeParams()...),
			watch("watch"+n.idFor("List"), "watch individual changes to a list of "+n.kind+
				". deprecated: use the 'watch' parameter with a list operation instead.", "watchlist"))
		ps.add(gvPath(n.gv)+"/watch"+scope+"/"+n.plural+"/{name}",
			sortedWith(watchParams, append(n.scopeParams(), nameParam("name of the "+n.kind))...),
			watch("watch"+n.idFor(""), "watch changes to an object of kind "+n.kind+
				". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.", "watch"))
	}
	if !n.namespaced {
		return
	}
	all := gvPrefix(n.gv) + n.kind
	if n.verbs["list"] {
		ps.add(gvPath(n.gv)+"/"+n.plural, watchParams, operation{method: "get", action: "list",
			id: "list" + all + "ForAllNamespaces", desc: "list or watch objects of kind " + n.kind,
			consumes: mediaAny, produces: mediaList, responses: []response{ok(n.list), unauthorized}})
	}
	if n.verbs["watch"] {
		ps.add(gvPath(n.gv)+"/watch/"+n.plural, watchParams,
			watch("watch"+all+"ListForAllNamespaces", "watch individual changes to a list of "+n.kind+
				". deprecated: use the 'watch' parameter with a list operation instead.", "watchlist"))
	}
}

// sortedWith returns ps plus extra, sorted by name, in a new slice.
func sortedWith(ps []param, extra ...param) []param {
	out := append(append([]param(nil), ps...), extra...)
	sortParams(out)
	return out
}

// article returns "a Deployment" or "an Endpoints", as upstream words it.
func article(kind string) string {
	switch kind[0] {
	case 'A', 'E', 'I', 'O', 'U':
		return "an " + kind
	}
	return "a " + kind
}

// fill sets the tag of every operation, and the GVK of those that have none.
func (ps pathSet) fill(tag string, gvk schema.GroupVersionKind) {
	for _, item := range ps {
		for i := range item.ops {
			item.ops[i].tag = tag
			if item.ops[i].gvk == nil {
				item.ops[i].gvk = &gvk
			}
		}
	}
}

// merge adds the paths of other to ps.
func (ps pathSet) merge(other pathSet) {
	for path, item := range other {
		ps.add(path, item.params, item.ops...)
	}
}
