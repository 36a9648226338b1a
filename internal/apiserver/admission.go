package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ServiceAllocator hands out ClusterIPs and NodePorts for Services. The API
// server declares it; internal/apiserver/allocator implements it.
type ServiceAllocator interface {
	// Allocate assigns what svc asks for or needs, given the stored old
	// Service (nil on create). It returns an undo that releases what this
	// call allocated, for when the write fails. Errors are API errors.
	Allocate(ctx context.Context, svc, old *corev1.Service, dryRun bool) (undo func(), err error)
	// Release frees everything a deleted Service held.
	Release(ctx context.Context, svc *corev1.Service)
}

// immortalNamespaces may not be deleted, as upstream.
var immortalNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

var namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// admit runs the built-in admission steps for a write of obj (old is the
// stored object on update). The returned undo reverses side effects.
func (s *Server) admit(ctx context.Context, ep *endpoint, obj, old runtime.Object, dryRun bool) (func(), error) {
	noop := func() {}
	if old == nil && ep.res.Namespaced {
		if err := s.namespaceAcceptsCreate(ctx, obj); err != nil {
			return noop, err
		}
	}
	if svc, ok := obj.(*corev1.Service); ok && s.cfg.Services != nil {
		oldSvc, _ := old.(*corev1.Service)
		undo, err := s.cfg.Services.Allocate(ctx, svc, oldSvc, dryRun)
		if err != nil {
			return noop, err
		}
		return undo, nil
	}
	return noop, nil
}

// namespaceAcceptsCreate is NamespaceLifecycle: no creation in a missing or
// terminating namespace.
func (s *Server) namespaceAcceptsCreate(ctx context.Context, obj runtime.Object) error {
	m, _ := meta.Accessor(obj)
	nsName := m.GetNamespace()
	nsEP := s.endpoints[namespacesGVR]
	if nsEP == nil {
		return nil
	}
	got, err := nsEP.store.Get(ctx, "", nsName, "0")
	if apierrors.IsNotFound(err) {
		// The cache may lag a namespace created a moment ago.
		got, err = nsEP.store.Get(ctx, "", nsName, "")
	}
	if err != nil {
		return err
	}
	ns := got.(*corev1.Namespace)
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return &apierrors.StatusError{ErrStatus: metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: fmt.Sprintf("%s %q is forbidden: unable to create new content in namespace %s because it is being terminated", kindResource(obj), m.GetName(), nsName),
			Details: &metav1.StatusDetails{Name: m.GetName(), Causes: []metav1.StatusCause{{
				Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", nsName), Field: "metadata.namespace"}}},
		}}
	}
	return nil
}

func kindResource(obj runtime.Object) string {
	return obj.GetObjectKind().GroupVersionKind().Kind
}
