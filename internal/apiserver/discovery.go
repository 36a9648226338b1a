package apiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"sort"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apis"
)

// discoveryDocs are the discovery documents, built once from the table.
type discoveryDocs struct {
	versions   *metav1.APIVersions
	groups     *metav1.APIGroupList
	resources  map[string]*metav1.APIResourceList // by "v1" or "group/version"
	aggLegacy  *apidiscoveryv2.APIGroupDiscoveryList
	aggGroups  *apidiscoveryv2.APIGroupDiscoveryList
	groupByKey map[string]*metav1.APIGroup
}

// groupPreference lists the versions of a group, preferred first.
func buildDiscovery(resources []*apis.Resource) *discoveryDocs {
	d := &discoveryDocs{
		versions:   &metav1.APIVersions{Versions: []string{"v1"}},
		groups:     &metav1.APIGroupList{},
		resources:  map[string]*metav1.APIResourceList{},
		aggLegacy:  &apidiscoveryv2.APIGroupDiscoveryList{},
		aggGroups:  &apidiscoveryv2.APIGroupDiscoveryList{},
		groupByKey: map[string]*metav1.APIGroup{},
	}
	d.versions.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("APIVersions"))
	d.groups.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("APIGroupList"))
	var groupOrder []string
	versionsOf := map[string][]string{}
	byGV := map[string][]*apis.Resource{}
	for _, r := range resources {
		gv := r.GVR.GroupVersion().String()
		if _, seen := byGV[gv]; !seen {
			if _, seenGroup := versionsOf[r.GVR.Group]; !seenGroup {
				groupOrder = append(groupOrder, r.GVR.Group)
			}
			versionsOf[r.GVR.Group] = append(versionsOf[r.GVR.Group], r.GVR.Version)
		}
		byGV[gv] = append(byGV[gv], r)
	}
	for _, g := range groupOrder {
		versions := versionsOf[g]
		sort.SliceStable(versions, func(i, j int) bool { return versionRank(versions[i]) > versionRank(versions[j]) })
		for _, v := range versions {
			gv := v
			if g != "" {
				gv = g + "/" + v
			}
			d.resources[gv] = resourceList(gv, byGV[gv])
		}
		agg := aggregatedGroup(g, versions, byGV)
		if g == "" {
			d.aggLegacy.Items = append(d.aggLegacy.Items, agg)
			continue
		}
		d.aggGroups.Items = append(d.aggGroups.Items, agg)
		group := metav1.APIGroup{Name: g}
		for _, v := range versions {
			group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
		}
		group.PreferredVersion = group.Versions[0]
		d.groups.Groups = append(d.groups.Groups, group)
		gcopy := group
		gcopy.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("APIGroup"))
		d.groupByKey[g] = &gcopy
	}
	d.aggLegacy.SetGroupVersionKind(apidiscoveryv2.SchemeGroupVersion.WithKind("APIGroupDiscoveryList"))
	d.aggGroups.SetGroupVersionKind(apidiscoveryv2.SchemeGroupVersion.WithKind("APIGroupDiscoveryList"))
	return d
}

// versionRank orders v2 > v1 > v1beta1 as Kubernetes version priority does.
func versionRank(v string) int {
	rank := 0
	switch {
	case strings.Contains(v, "alpha"):
		rank = 0
	case strings.Contains(v, "beta"):
		rank = 1000
	default:
		rank = 2000
	}
	num := 0
	for _, c := range strings.TrimPrefix(v, "v") {
		if c < '0' || c > '9' {
			break
		}
		num = num*10 + int(c-'0')
	}
	return rank + num
}

func resourceList(gv string, rs []*apis.Resource) *metav1.APIResourceList {
	list := &metav1.APIResourceList{GroupVersion: gv}
	list.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("APIResourceList"))
	for _, r := range rs {
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: r.GVR.Resource, SingularName: r.SingularName, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: r.Verbs, ShortNames: r.ShortNames, Categories: r.Categories,
			StorageVersionHash: storageVersionHash(r),
		})
		for _, sub := range r.Subresources {
			res := metav1.APIResource{Name: r.GVR.Resource + "/" + sub, Namespaced: r.Namespaced, Kind: subKind(r, sub), Verbs: subresourceVerbs[sub]}
			if g, v := subGroupVersion(sub); g != "" || v != "" {
				res.Group, res.Version = g, v
			}
			list.APIResources = append(list.APIResources, res)
		}
	}
	return list
}

// subKind is the kind a subresource speaks.
func subKind(r *apis.Resource, sub string) string {
	switch sub {
	case "scale":
		return "Scale"
	case "binding":
		return "Binding"
	case "eviction":
		return "Eviction"
	case "token":
		return "TokenRequest"
	case "proxy":
		return r.Kind + "ProxyOptions"
	case "exec":
		return r.Kind + "ExecOptions"
	case "attach":
		return r.Kind + "AttachOptions"
	case "portforward":
		return r.Kind + "PortForwardOptions"
	}
	return r.Kind
}

func subGroupVersion(sub string) (string, string) {
	switch sub {
	case "scale":
		return "autoscaling", "v1"
	case "eviction":
		return "policy", "v1"
	case "token":
		return "authentication.k8s.io", "v1"
	}
	return "", ""
}

func aggregatedGroup(g string, versions []string, byGV map[string][]*apis.Resource) apidiscoveryv2.APIGroupDiscovery {
	agg := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g}}
	for _, v := range versions {
		gv := v
		if g != "" {
			gv = g + "/" + v
		}
		ver := apidiscoveryv2.APIVersionDiscovery{Version: v, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
		for _, r := range byGV[gv] {
			scope := apidiscoveryv2.ScopeCluster
			if r.Namespaced {
				scope = apidiscoveryv2.ScopeNamespace
			}
			res := apidiscoveryv2.APIResourceDiscovery{
				Resource: r.GVR.Resource, SingularResource: r.SingularName, Scope: scope,
				ResponseKind: &metav1.GroupVersionKind{Group: g, Version: v, Kind: r.Kind},
				Verbs:        r.Verbs, ShortNames: r.ShortNames, Categories: r.Categories,
			}
			for _, sub := range r.Subresources {
				sg, sv := subGroupVersion(sub)
				if sg == "" && sv == "" {
					sg, sv = g, v
				}
				res.Subresources = append(res.Subresources, apidiscoveryv2.APISubresourceDiscovery{
					Subresource: sub, ResponseKind: &metav1.GroupVersionKind{Group: sg, Version: sv, Kind: subKind(r, sub)},
					Verbs: subresourceVerbs[sub],
				})
			}
			ver.Resources = append(ver.Resources, res)
		}
		agg.Versions = append(agg.Versions, ver)
	}
	return agg
}

// wantsAggregated reports whether the client's first servable Accept
// clause is aggregated discovery in the version served (v2, as JSON).
// Clients that ask only for v2beta1 (kubectl 1.27-1.29 list it before
// application/json) get the legacy documents, never a v2 they cannot read.
func wantsAggregated(r *http.Request) bool {
	for _, clause := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(clause))
		if err != nil {
			continue
		}
		if params["as"] == "" {
			if mt == mediaJSON || mt == mediaProtobuf || mt == "*/*" || mt == "application/*" {
				return false
			}
			continue
		}
		if mt == mediaJSON && params["as"] == "APIGroupDiscoveryList" &&
			params["g"] == apidiscoveryv2.SchemeGroupVersion.Group && params["v"] == apidiscoveryv2.SchemeGroupVersion.Version {
			return true
		}
	}
	return false
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request, info requestInfo, ok bool) {
	d := s.discovery
	path := strings.TrimSuffix(r.URL.Path, "/")
	var obj runtime.Object
	switch {
	case path == "/api":
		if wantsAggregated(r) {
			s.writeAggregated(w, r, d.aggLegacy)
			return
		}
		obj = d.versions
	case path == "/apis":
		if wantsAggregated(r) {
			s.writeAggregated(w, r, d.aggGroups)
			return
		}
		obj = d.groups
	case ok && info.Group == "" && info.Version != "":
		obj = d.resources[info.Version]
	case strings.HasPrefix(path, "/apis/") && strings.Count(path, "/") == 2:
		if g := d.groupByKey[strings.TrimPrefix(path, "/apis/")]; g != nil {
			obj = g
		}
	case ok && info.Group != "":
		obj = d.resources[info.Group+"/"+info.Version]
	}
	if obj == nil || (isNilList(obj)) {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	s.writeObject(w, r, http.StatusOK, obj)
}

func isNilList(obj runtime.Object) bool {
	l, ok := obj.(*metav1.APIResourceList)
	return ok && l == nil
}

// writeAggregated answers with aggregated discovery, telling the client
// which form it got through the Content-Type, as upstream.
func (s *Server) writeAggregated(w http.ResponseWriter, r *http.Request, list *apidiscoveryv2.APIGroupDiscoveryList) {
	info, _ := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
	w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	if err := info.Serializer.Encode(list, w); err != nil {
		s.log.Error("encode discovery", "err", err)
	}
}

// storageVersionHash is upstream's opaque hash of the storage version:
// the base64 of the first 8 bytes of sha256("group/version/kind"); none
// for a resource that is not stored (no StorageKey), as upstream's
// aggregated APIs advertise none.
func storageVersionHash(r *apis.Resource) string {
	if r.StorageKey == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(r.GVR.Group + "/" + r.GVR.Version + "/" + r.Kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}
