package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// handleFinalize is namespaces/finalize: it writes the client's namespace
// but for its status, as upstream's namespaceFinalizeStrategy (so
// spec.finalizers, and labels and annotations too, may change), and removes
// the namespace once it is being deleted and no finalizer is left.
func (s *Server) handleFinalize(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo, body []byte, mode, manager string, dryRun bool) error {
	obj, warnings, err := s.decodeBody(r, body, ep, mode)
	if err != nil {
		return err
	}
	ns := obj.(*corev1.Namespace)
	if ns.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", ns.Name, info.Name))
	}
	req := writeRequest{ep: ep, name: info.Name, subresource: "finalize", manager: manager, dryRun: dryRun,
		mutate: func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), info.Name)
			}
			next := ns.DeepCopy()
			next.Status = *current.(*corev1.Namespace).Status.DeepCopy()
			return next, nil
		}}
	out, _, err := s.update(ctx, req)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	s.writeObject(w, r, http.StatusOK, out)
	return nil
}
