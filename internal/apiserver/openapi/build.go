package openapi

import (
	"fmt"
	"reflect"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// model is everything the documents are rendered from.
type model struct {
	defs  map[string]*jsonSchema
	paths map[string]pathSet // group-version document key -> its paths
	gvs   []schema.GroupVersion
}

// buildDocuments models resources and encodes every document.
func buildDocuments(resources []Resource, ver string) (*documents, error) {
	m, err := buildModel(resources)
	if err != nil {
		return nil, err
	}
	return m.encode(ver)
}

func buildModel(resources []Resource) (*model, error) {
	lists, err := loadListTypes()
	if err != nil {
		lists = nil // documents stay usable without list types
	}
	md := newModeler(lists)
	kinds := map[string][]schema.GroupVersionKind{}
	paths := map[string]pathSet{}
	gvSet := map[schema.GroupVersion]bool{{Version: "v1"}: true}
	for _, r := range resources {
		if r.Type == nil || r.Type.Kind() != reflect.Struct {
			return nil, fmt.Errorf("resource %s: type must be a struct, got %v", r.Resource, r.Type)
		}
		gv := r.GVK.GroupVersion()
		gvSet[gv] = true
		n := resourceNames{gv: gv, kind: r.GVK.Kind, plural: r.Resource, namespaced: r.Namespaced,
			object: md.define(r.Type), verbs: map[string]bool{}}
		kinds[n.object] = append(kinds[n.object], r.GVK)
		if r.ListType != nil {
			n.list = md.define(r.ListType)
			kinds[n.list] = append(kinds[n.list], gv.WithKind(r.GVK.Kind+"List"))
		}
		for _, v := range r.Verbs {
			n.verbs[v] = true
		}
		ps := pathSet{}
		ps.addResource(n)
		for _, sub := range r.Subresources {
			object, gvk := n.object, r.GVK
			if sk, found := subresourceKinds[sub]; found {
				object, gvk = md.define(sk.typ), sk.gvk
				kinds[object] = append(kinds[object], gvk)
			}
			ps.addSubresource(n, sub, object, gvk)
		}
		ps.fill(versionTag(gv), r.GVK)
		if paths[gvKey(gv)] == nil {
			paths[gvKey(gv)] = pathSet{}
		}
		paths[gvKey(gv)].merge(ps)
	}
	gvs := sortedGVs(gvSet)
	defineMeta(md, kinds, gvs)
	for name, list := range kinds {
		if def := md.defs[name]; def != nil {
			def.GVK = gvkExtensions(list)
		}
	}
	addDiscoveryPaths(paths, gvs)
	return &model{defs: md.defs, paths: paths, gvs: gvs}, nil
}

// defineMeta adds the apimachinery definitions every document refers to.
// DeleteOptions and WatchEvent carry a GVK for every group version, as
// upstream's do, so that clients find them from any group.
func defineMeta(md *modeler, kinds map[string][]schema.GroupVersionKind, gvs []schema.GroupVersion) {
	for _, t := range []reflect.Type{
		reflect.TypeFor[metav1.Status](), reflect.TypeFor[metav1.Patch](),
		reflect.TypeFor[metav1.APIResourceList](), reflect.TypeFor[metav1.APIGroup](),
		reflect.TypeFor[metav1.APIGroupList](), reflect.TypeFor[metav1.APIVersions](),
		reflect.TypeFor[version.Info](),
	} {
		md.define(t)
	}
	kinds[md.define(reflect.TypeFor[metav1.Status]())] = append(kinds[defStatus],
		schema.GroupVersionKind{Version: "v1", Kind: "Status"})
	for _, kind := range []struct {
		name string
		typ  reflect.Type
	}{
		{"DeleteOptions", reflect.TypeFor[metav1.DeleteOptions]()},
		{"WatchEvent", reflect.TypeFor[metav1.WatchEvent]()},
	} {
		def := md.define(kind.typ)
		for _, gv := range gvs {
			kinds[def] = append(kinds[def], gv.WithKind(kind.name))
		}
	}
}

// gvkExtensions dedupes and sorts GVKs into the extension's value.
func gvkExtensions(list []schema.GroupVersionKind) []gvkExtension {
	seen := map[schema.GroupVersionKind]bool{}
	var out []gvkExtension
	for _, g := range list {
		if !seen[g] {
			seen[g] = true
			out = append(out, gvkExtension{Group: g.Group, Kind: g.Kind, Version: g.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Version < out[j].Version
	})
	return out
}

func sortedGVs(set map[schema.GroupVersion]bool) []schema.GroupVersion {
	var out []schema.GroupVersion
	for gv := range set {
		out = append(out, gv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// addDiscoveryPaths adds the discovery endpoints: /api/, /apis/,
// /apis/<group>/, /<prefix>/<version>/ and /version/, each in the document
// upstream puts it in.
func addDiscoveryPaths(paths map[string]pathSet, gvs []schema.GroupVersion) {
	get := func(id, desc, tag, ref string) operation {
		return operation{method: "get", id: id, desc: desc, tag: tag, consumes: mediaObject,
			produces: mediaObject, responses: []response{ok(ref), unauthorized}}
	}
	set := func(key string) pathSet {
		if paths[key] == nil {
			paths[key] = pathSet{}
		}
		return paths[key]
	}
	set("api").add("/api/", nil, get("getCoreAPIVersions", "get available API versions", "core", defAPIVersions))
	set("apis").add("/apis/", nil, get("getAPIVersions", "get available API versions", "apis", defAPIGroupList))
	set("version").add("/version/", nil, get("getCodeVersion", "get the version information for this server", "version", defVersionInfo))
	for _, gv := range gvs {
		set(gvKey(gv)).add(gvPath(gv)+"/", nil, get("get"+gvPrefix(gv)+"APIResources",
			"get available resources", versionTag(gv), defAPIResources))
		if gv.Group == "" {
			continue
		}
		if _, done := paths["apis/"+gv.Group]; !done {
			set("apis/"+gv.Group).add("/apis/"+gv.Group+"/", nil, get("get"+groupPart(gv.Group)+"APIGroup",
				"get information of a group", groupTag(gv.Group), defAPIGroup))
		}
	}
}
