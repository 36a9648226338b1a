package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
	"github.com/skiff-dev/skiff/internal/apis/validation"
	"github.com/skiff-dev/skiff/internal/storage"
)

// createOnUpdate lists the resources upstream lets PUT create, as their
// strategies' AllowCreateOnUpdate say.
var createOnUpdate = map[string]bool{"endpoints": true, "leases": true, "events": true, "endpointslices": false}

// mutateFunc computes the object to write from the stored one (nil when it
// does not exist). It must not change what it is given (but for setting
// its apiVersion and kind), which stays the old object of the write: one
// that edits in place edits a copy. Most do
// not need one (a PUT has its own object, a patch decodes or copies), so
// the stored object is not copied for all.
type mutateFunc func(current runtime.Object) (runtime.Object, error)

// writeRequest is one update of one object.
type writeRequest struct {
	ep          *endpoint
	namespace   string
	name        string
	subresource string
	manager     string
	dryRun      bool
	allowCreate bool
	// apply makes the write a server-side apply: mutate then yields the
	// applied configuration and the field manager merges it.
	apply *applyRequest
	// mutate computes the new object.
	mutate mutateFunc
	// answer, when set, has update write through its store's
	// UpdateProtobuf and keep the written object's message to answer with.
	answer *storedAnswer
}

// storedAnswer is the protobuf message of an update's result, from the
// store that wrote it; msg stays zero after a dry run or a write that
// ended in deletion.
type storedAnswer struct {
	store *storage.Resource
	msg   storage.ProtoMessage
}

// wantMessage asks update for the written object's stored message when
// r's client takes protobuf objects of an endpoint that serves them as
// stored (protobufStore).
func (req *writeRequest) wantMessage(r *http.Request) {
	if st, ok := protobufStore(r, req.ep); ok {
		req.answer = &storedAnswer{store: st}
	}
}

func (s *Server) handleUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	wp, err := readWriteParams(r)
	if err != nil {
		return err
	}
	mode, dryRun, manager, body := wp.mode, wp.dryRun, wp.manager, wp.body
	switch info.Subresource {
	case "scale":
		return s.handleScaleUpdate(ctx, w, r, ep, info, body, manager, dryRun)
	case "finalize":
		return s.handleFinalize(ctx, w, r, ep, info, body, mode, manager, dryRun)
	}
	obj, warnings, err := s.decodeBody(r, body, ep, mode)
	if err != nil {
		return err
	}
	m, _ := meta.Accessor(obj)
	if m.GetName() != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), info.Name))
	}
	if ep.res.Namespaced && m.GetNamespace() != "" && m.GetNamespace() != info.Namespace {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	req := writeRequest{
		ep: ep, namespace: info.Namespace, name: info.Name, subresource: info.Subresource,
		manager: manager, dryRun: dryRun, allowCreate: createOnUpdate[ep.res.GVR.Resource] && info.Subresource == "",
		mutate: func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil },
	}
	req.wantMessage(r)
	out, created, err := s.update(ctx, req)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	s.writeWritten(w, r, req, created, out)
	return nil
}

// writeWritten answers an update or patch with the object written: from
// its stored message when update left one (wantMessage), else encoded.
func (s *Server) writeWritten(w http.ResponseWriter, r *http.Request, req writeRequest, created bool, out runtime.Object) {
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	if req.answer != nil && !req.answer.msg.IsZero() {
		s.writeStoredProtobuf(w, r, code, req.ep, req.answer.msg)
		return
	}
	s.writeObject(w, r, code, out)
}

// update runs one write through storage's guaranteed update: it re-runs on
// a conflicting concurrent write, so the result always builds on the latest
// stored state. created reports that the object did not exist before.
func (s *Server) update(ctx context.Context, req writeRequest) (runtime.Object, bool, error) {
	var undo func()
	var replaced runtime.Object // the stored object the last attempt built on
	created := false
	fn := func(current runtime.Object) (runtime.Object, error) {
		if undo != nil {
			undo()
			undo = nil
		}
		created, replaced = current == nil, current
		obj, u, err := s.nextVersion(ctx, req, current)
		undo = u
		return obj, err
	}
	if req.dryRun {
		current, err := req.ep.store.Get(ctx, req.namespace, req.name, "")
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, false, err
		}
		if err != nil {
			current = nil
		}
		obj, err := fn(current)
		if undo != nil {
			undo()
		}
		return obj, created, err
	}
	var out runtime.Object
	var err error
	if req.answer != nil {
		out, req.answer.msg, err = req.answer.store.UpdateProtobuf(ctx, req.namespace, req.name, fn)
	} else {
		out, err = req.ep.store.Update(ctx, req.namespace, req.name, fn)
	}
	if err != nil {
		if undo != nil {
			undo()
		}
		return nil, false, err
	}
	s.releaseReplacedService(ctx, req.subresource, out, replaced)
	written := out
	if out, err = s.finishDeletion(ctx, req.ep, out); out != written && req.answer != nil {
		req.answer.msg = storage.ProtoMessage{} // deleted since: the message is not the answer
	}
	return out, created, err
}

// releaseReplacedService frees the cluster IPs and ports a stored update
// of a Service dropped, now that the write can no longer fail.
func (s *Server) releaseReplacedService(ctx context.Context, subresource string, out, replaced runtime.Object) {
	svc, ok := out.(*corev1.Service)
	old, wasService := replaced.(*corev1.Service)
	if !ok || !wasService || subresource != "" || s.cfg.Services == nil {
		return
	}
	s.cfg.Services.ReleaseUnused(ctx, svc, old)
}

// nextVersion computes, validates and admits the next version of an
// object from the stored one.
func (s *Server) nextVersion(ctx context.Context, req writeRequest, current runtime.Object) (runtime.Object, func(), error) {
	ep := req.ep
	if current == nil && !req.allowCreate {
		return nil, nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), req.name)
	}
	obj, err := req.mutate(current)
	if err != nil {
		return nil, nil, err
	}
	if current == nil {
		return s.nextVersionCreate(ctx, req, obj)
	}
	m, _ := meta.Accessor(obj)
	cm, _ := meta.Accessor(current)
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, nil, apierrors.NewConflict(ep.res.GVR.GroupResource(), req.name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if m.GetUID() != "" && m.GetUID() != cm.GetUID() {
		return nil, nil, apierrors.NewConflict(ep.res.GVR.GroupResource(), req.name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", m.GetUID(), cm.GetUID()))
	}
	m.SetNamespace(cm.GetNamespace())
	m.SetResourceVersion(cm.GetResourceVersion())
	// Upstream defaults every object it decodes from storage, so an
	// update is validated against the stored object as today's defaults
	// fill it: an object stored before a default was added does not read
	// as changing an immutable field it never set. current is this
	// write's own decoded copy.
	defaults.Apply(current)
	s.prepareForUpdate(ep, obj, current, req.subresource)
	dropDisabledFields(obj, current)
	defaults.Apply(obj)
	stampGenerations(ep, obj, current, req.subresource)
	var errs field.ErrorList
	switch req.subresource {
	case "":
		errs = validation.ValidateUpdate(obj, current)
	case "binding":
		// The Binding was validated; as upstream, assigning the node is
		// not a status update (which may not change spec.nodeName).
	default:
		errs = validation.ValidateStatusUpdate(obj, current)
	}
	if len(errs) > 0 {
		return nil, nil, apierrors.NewInvalid(ep.gvk.GroupKind(), req.name, errs)
	}
	if req.subresource == "" {
		warn(ctx, updateWarnings(obj, current))
	}
	// As upstream, a binding updates the pod straight in storage: it
	// records no managedFields entry (the field manager tracks the
	// Binding the client created, not the pod). The managed fields are
	// recorded before admission, whose changes belong to no manager.
	if req.apply == nil && req.subresource != "binding" {
		obj = ep.recordUpdate(req.subresource, current, obj, req.manager)
	}
	undo, err := s.admit(ctx, ep, req.subresource, obj, current, req.dryRun)
	if err != nil {
		return nil, nil, err
	}
	return obj, undo, nil
}

// nextVersionCreate is the create-on-update path (PUT of a missing object
// where allowed, and server-side apply of a new object).
func (s *Server) nextVersionCreate(ctx context.Context, req writeRequest, obj runtime.Object) (runtime.Object, func(), error) {
	ep := req.ep
	m, _ := meta.Accessor(obj)
	m.SetName(req.name)
	if ep.res.Namespaced {
		m.SetNamespace(req.namespace)
	}
	s.prepareForCreate(ep, obj)
	dropDisabledFields(obj, nil)
	defaults.Apply(obj)
	if errs := validation.ValidateCreate(obj); len(errs) > 0 {
		return nil, nil, apierrors.NewInvalid(ep.gvk.GroupKind(), req.name, errs)
	}
	warn(ctx, createWarnings(obj))
	if req.apply == nil {
		obj = ep.recordCreate(obj, req.manager)
	}
	undo, err := s.admit(ctx, ep, "", obj, nil, req.dryRun)
	if err != nil {
		return nil, nil, err
	}
	return obj, undo, nil
}
