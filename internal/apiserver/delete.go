package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
)

// deleteOptions reads DeleteOptions from the body, then fills what the
// body left unset from the query, as upstream.
func (s *Server) deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	opts := &metav1.DeleteOptions{}
	if err := s.decodeOptions(body, opts, metav1.SchemeGroupVersion.WithKind("DeleteOptions")); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" && opts.GracePeriodSeconds == nil {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" && opts.PropagationPolicy == nil {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" && opts.OrphanDependents == nil {
		b := v == "true"
		opts.OrphanDependents = &b
	}
	if vals := q["dryRun"]; len(vals) > 0 && len(opts.DryRun) == 0 {
		opts.DryRun = vals
	}
	for _, v := range opts.DryRun {
		if v != metav1.DryRunAll {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("Invalid dry run value: %q, valid values are: %q", v, metav1.DryRunAll))
		}
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return nil, apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy: Unsupported value: %q", *opts.PropagationPolicy))
		}
		if opts.OrphanDependents != nil {
			return nil, apierrors.NewBadRequest("orphanDependents: Invalid value: cannot set both OrphanDependents and PropagationPolicy")
		}
	}
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds < 0 {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
	}
	return opts, nil
}

func (s *Server) handleDelete(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	opts, err := s.deleteOptions(r)
	if err != nil {
		return err
	}
	out, deleted, err := s.deleteObject(ctx, ep, info.Namespace, info.Name, opts)
	if err != nil {
		return err
	}
	if deleted && !returnsDeletedObject(ep) {
		m, _ := meta.Accessor(out)
		st := &metav1.Status{Status: metav1.StatusSuccess, Details: &metav1.StatusDetails{
			Name: info.Name, Group: ep.res.GVR.Group, Kind: ep.res.GVR.Resource, UID: m.GetUID()}}
		setGVK(st, metav1.SchemeGroupVersion.WithKind("Status"))
		s.writeObject(w, r, http.StatusOK, st)
		return nil
	}
	s.writeObject(w, r, http.StatusOK, out)
	return nil
}

// returnsDeletedObject lists the resources whose delete answers with the
// object instead of a Status, as upstream's stores do.
func returnsDeletedObject(ep *endpoint) bool {
	switch ep.res.GVR.Resource {
	case "pods", "services", "namespaces", "persistentvolumeclaims", "persistentvolumes":
		return true
	}
	return false
}

// deleteObject deletes one object, or marks it for deletion when it has
// finalizers or a grace period. deleted reports removal from storage.
func (s *Server) deleteObject(ctx context.Context, ep *endpoint, ns, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	dryRun := len(opts.DryRun) > 0
	current, err := ep.store.Get(ctx, ns, name, "")
	if err != nil {
		return nil, false, err
	}
	if err := checkPreconditions(ep, name, current, opts.Preconditions); err != nil {
		return nil, false, err
	}
	if ep.res.GVR.Resource == "namespaces" && immortalNamespaces[name] {
		return nil, false, apierrors.NewForbidden(ep.res.GVR.GroupResource(), name, fmt.Errorf("this namespace may not be deleted"))
	}
	grace := s.gracePeriod(current, opts)
	finalizers := pendingFinalizers(ep, current, opts)
	if grace == 0 && len(finalizers) == 0 && !hasSpecFinalizers(current) {
		if dryRun {
			return current, true, nil
		}
		return s.removeObject(ctx, ep, current)
	}
	mark := func(obj runtime.Object) (runtime.Object, error) {
		if obj == nil {
			return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), name)
		}
		s.markDeleted(obj, grace, finalizers)
		return obj, nil
	}
	if dryRun {
		out, err := mark(current.DeepCopyObject())
		return out, false, err
	}
	out, err := ep.store.Update(ctx, ns, name, func(cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), name)
		}
		return mark(cur.DeepCopyObject())
	})
	if err != nil {
		return nil, false, err
	}
	out, err = s.finishDeletion(ctx, ep, out)
	return out, false, err
}

// markDeleted sets the deletion timestamp (keeping an earlier, sooner one)
// and the finalizers deletion needs.
func (s *Server) markDeleted(obj runtime.Object, grace int64, finalizers []string) {
	m, _ := meta.Accessor(obj)
	now := s.now()
	deadline := metav1.NewTime(now.Add(time.Duration(grace) * time.Second).Truncate(time.Second))
	if old := m.GetDeletionTimestamp(); old == nil || deadline.Before(old) {
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&grace)
	}
	fs := sets.New(m.GetFinalizers()...)
	merged := m.GetFinalizers()
	for _, f := range finalizers {
		if !fs.Has(f) {
			merged = append(merged, f)
		}
	}
	m.SetFinalizers(merged)
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Status.Phase = corev1.NamespaceTerminating
	}
}

// gracePeriod returns how long an object may take to go: pods bound to a
// node get their grace period; everything else goes at once.
func (s *Server) gracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return 0
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return *opts.GracePeriodSeconds
	}
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// pendingFinalizers returns the finalizers the object will carry while it
// is being deleted: its own, plus those the propagation policy asks for.
func pendingFinalizers(ep *endpoint, obj runtime.Object, opts *metav1.DeleteOptions) []string {
	m, _ := meta.Accessor(obj)
	out := append([]string{}, m.GetFinalizers()...)
	switch {
	case opts.PropagationPolicy != nil && *opts.PropagationPolicy == metav1.DeletePropagationForeground:
		out = append(out, metav1.FinalizerDeleteDependents)
	case opts.PropagationPolicy != nil && *opts.PropagationPolicy == metav1.DeletePropagationOrphan,
		opts.OrphanDependents != nil && *opts.OrphanDependents:
		out = append(out, metav1.FinalizerOrphanDependents)
	}
	return out
}

// hasSpecFinalizers reports whether a namespace still waits for the
// finalizers in its spec, which keep it, Terminating, until
// namespaces/finalize clears them. They are not metadata finalizers.
func hasSpecFinalizers(obj runtime.Object) bool {
	ns, ok := obj.(*corev1.Namespace)
	return ok && len(ns.Spec.Finalizers) > 0
}

func checkPreconditions(ep *endpoint, name string, obj runtime.Object, pre *metav1.Preconditions) error {
	if pre == nil {
		return nil
	}
	m, _ := meta.Accessor(obj)
	if pre.UID != nil && *pre.UID != m.GetUID() {
		return apierrors.NewConflict(ep.res.GVR.GroupResource(), name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *pre.UID, m.GetUID()))
	}
	if pre.ResourceVersion != nil && *pre.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(ep.res.GVR.GroupResource(), name,
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *pre.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// removeObject deletes obj from storage if it is still the same object
// (same uid), releasing what it held.
func (s *Server) removeObject(ctx context.Context, ep *endpoint, obj runtime.Object) (runtime.Object, bool, error) {
	m, _ := meta.Accessor(obj)
	uid := m.GetUID()
	out, err := ep.store.Delete(ctx, m.GetNamespace(), m.GetName(), func(cur runtime.Object) error {
		cm, _ := meta.Accessor(cur)
		if cm.GetUID() != uid {
			return apierrors.NewConflict(ep.res.GVR.GroupResource(), m.GetName(), fmt.Errorf("the object was replaced while it was being deleted"))
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if svc, ok := out.(*corev1.Service); ok && s.cfg.Services != nil {
		s.cfg.Services.Release(ctx, svc)
	}
	s.admission.Release(ctx, ep.res.GVR.GroupResource(), out)
	return out, true, nil
}

// finishDeletion removes an object whose deletion is due: it has a
// deletion timestamp, no finalizers left and no grace period to wait.
func (s *Server) finishDeletion(ctx context.Context, ep *endpoint, obj runtime.Object) (runtime.Object, error) {
	m, _ := meta.Accessor(obj)
	if m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 {
		return obj, nil
	}
	if g := m.GetDeletionGracePeriodSeconds(); g != nil && *g > 0 {
		return obj, nil
	}
	if ns, ok := obj.(*corev1.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return obj, nil
	}
	out, _, err := s.removeObject(ctx, ep, obj)
	if apierrors.IsNotFound(err) {
		return obj, nil
	}
	return out, err
}

func (s *Server) handleDeleteCollection(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	listOpts, err := s.listOptions(r, ep)
	if err != nil {
		return err
	}
	opts, err := s.deleteOptions(r)
	if err != nil {
		return err
	}
	res, err := ep.store.List(ctx, info.Namespace, listOpts)
	if err != nil {
		return err
	}
	var deleted []runtime.Object
	for _, item := range res.Objects() {
		m, _ := meta.Accessor(item)
		out, _, err := s.deleteObject(ctx, ep, m.GetNamespace(), m.GetName(), opts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		deleted = append(deleted, out)
	}
	list := ep.res.NewList()
	setGVK(list, ep.gvk.GroupVersion().WithKind(ep.res.ListKind()))
	if err := meta.SetList(list, deleted); err != nil {
		return apierrors.NewInternalError(err)
	}
	s.writeObject(w, r, http.StatusOK, list)
	return nil
}
