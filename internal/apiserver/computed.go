package apiserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apis"
)

// Computed is the source of a resource the server computes on request
// instead of storing, as an aggregated API server would serve it
// (metrics.k8s.io): get and list only, no resourceVersions, no watch.
// Errors are apimachinery error classes, written as any other.
type Computed interface {
	// Get returns the object; a NotFound error when there is none.
	Get(ctx context.Context, namespace, name string) (runtime.Object, error)
	// List returns the objects of the namespace ("" for all) matching both
	// selectors, in the order to serve them.
	List(ctx context.Context, namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, error)
}

// ComputedResource pairs a computed resource's description (discovery,
// verbs, printer) with its source. Resource.Verbs must be a subset of
// get and list.
type ComputedResource struct {
	Resource *apis.Resource
	Source   Computed
}

// handleComputed serves get and list of a computed resource; serveResource
// has already checked the path and the verb against the resource's
// (which has no subresources).
func (s *Server) handleComputed(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, src Computed, info requestInfo) error {
	switch info.Verb {
	case "get":
		obj, err := src.Get(ctx, info.Namespace, info.Name)
		if err != nil {
			return err
		}
		setGVK(obj, ep.gvk)
		return s.writeTransformed(w, r, ep, obj, false)
	case "list":
		ls, fs, err := selectors(r, ep)
		if err != nil {
			return err
		}
		items, err := src.List(ctx, info.Namespace, ls, fs)
		if err != nil {
			return err
		}
		for _, it := range items {
			setGVK(it, ep.gvk)
		}
		list := ep.res.NewList()
		setGVK(list, ep.gvk.GroupVersion().WithKind(ep.res.ListKind()))
		if err := meta.SetList(list, items); err != nil {
			return apierrors.NewInternalError(err)
		}
		return s.writeTransformedList(w, r, ep, list, items)
	}
	return errMethodNotSupported(ep.res.GVR.GroupResource().String(), info.Verb)
}

// computedEndpoint is a computed resource as the server routes it.
type computedEndpoint struct {
	ep  *endpoint
	src Computed
}
