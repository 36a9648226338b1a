package namespace

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Finalizer is the spec finalizer the namespace controller owns.
const Finalizer = "kubernetes"

// resource is one namespaced resource to empty.
type resource struct {
	gvr              schema.GroupVersionResource
	deleteCollection bool
}

// deletable returns the namespaced resources of lists that can be listed
// and deleted, sorted by group and resource, with subresources left out.
// It also returns the group versions that could not be parsed.
func deletable(lists []*metav1.APIResourceList) (out []resource, badGroupVersions []string) {
	for _, l := range lists {
		if l == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			badGroupVersions = append(badGroupVersions, l.GroupVersion)
			continue
		}
		for _, r := range l.APIResources {
			if !r.Namespaced || strings.Contains(r.Name, "/") {
				continue
			}
			if !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "delete") {
				continue
			}
			out = append(out, resource{
				gvr:              gv.WithResource(r.Name),
				deleteCollection: slices.Contains(r.Verbs, "deletecollection"),
			})
		}
	}
	slices.SortFunc(out, func(a, b resource) int {
		if c := strings.Compare(a.gvr.Group, b.gvr.Group); c != 0 {
			return c
		}
		if c := strings.Compare(a.gvr.Resource, b.gvr.Resource); c != 0 {
			return c
		}
		return strings.Compare(a.gvr.Version, b.gvr.Version)
	})
	return out, badGroupVersions
}

// withoutFinalizer returns finalizers without f, and whether f was there.
func withoutFinalizer(finalizers []string, f string) ([]string, bool) {
	var out []string
	found := false
	for _, x := range finalizers {
		if x == f {
			found = true
			continue
		}
		out = append(out, x)
	}
	return out, found
}
