package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
	"github.com/skiff-dev/skiff/internal/apis/validation"
	"github.com/skiff-dev/skiff/internal/storage"
)

// maxFieldManagerLength is upstream's limit on a fieldManager name.
const maxFieldManagerLength = 128

// managerName returns the field manager of a request: the fieldManager
// parameter, or the user agent's program name as upstream derives it.
func managerName(r *http.Request) (string, error) {
	if m := queryValue(r, "fieldManager"); m != "" {
		if len(m) > maxFieldManagerLength {
			return "", apierrors.NewBadRequest(fmt.Sprintf("fieldManager: Too long: may not be more than %d bytes", maxFieldManagerLength))
		}
		return m, nil
	}
	ua := r.UserAgent()
	if i := strings.Index(ua, "/"); i >= 0 {
		ua = ua[:i]
	}
	if len(ua) > maxFieldManagerLength {
		ua = ua[:maxFieldManagerLength]
	}
	if ua == "" {
		ua = "unknown"
	}
	return ua, nil
}

func (s *Server) handleCreate(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	switch info.Subresource {
	case "":
	case "binding":
		return s.handleBinding(ctx, w, r, ep, info)
	case "eviction":
		return s.handleEviction(ctx, w, r, ep, info)
	case "token":
		return s.handleTokenRequest(ctx, w, r, ep, info)
	default:
		return errMethodNotSupported(ep.res.GVR.GroupResource().String(), "create")
	}
	wp, err := readWriteParams(r)
	if err != nil {
		return err
	}
	mode, dryRun, manager, body := wp.mode, wp.dryRun, wp.manager, wp.body
	obj, warnings, err := s.decodeBody(r, body, ep, mode)
	if err != nil {
		return err
	}
	answerFrom, _ := protobufStore(r, ep)
	created, msg, err := s.create(ctx, ep, info.Namespace, obj, manager, dryRun, answerFrom)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	if !msg.IsZero() {
		s.writeStoredProtobuf(w, r, http.StatusCreated, ep, msg)
		return nil
	}
	s.writeObject(w, r, http.StatusCreated, created)
	return nil
}

// create runs the create path for a decoded object: naming, server-owned
// metadata, defaults, managed fields, mutating admission, validation,
// validating admission, storage. With answerFrom (the endpoint's store,
// when the client takes protobuf objects as stored: protobufStore) the
// object comes with its protobuf message (CreateProtobuf); msg is zero
// otherwise.
func (s *Server) create(ctx context.Context, ep *endpoint, namespace string, obj runtime.Object, manager string, dryRun bool, answerFrom *storage.Resource) (created runtime.Object, msg storage.ProtoMessage, err error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, storage.ProtoMessage{}, apierrors.NewBadRequest(err.Error())
	}
	if ep.res.Namespaced {
		if m.GetNamespace() != "" && m.GetNamespace() != namespace {
			return nil, storage.ProtoMessage{}, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		m.SetNamespace(namespace)
	} else {
		m.SetNamespace("")
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(generateName(m.GetGenerateName()))
	}
	s.prepareForCreate(ep, obj)
	dropDisabledFields(obj, nil)
	defaults.Apply(obj)
	// As upstream, the managed fields are recorded before admission:
	// what admission sets (a service account's token volume, default
	// tolerations, an allocated ClusterIP) belongs to no manager. And as
	// upstream, the object is validated once, after the mutating plugins
	// and before the validating ones.
	obj = ep.recordCreate(obj, manager)
	a, err := s.admitMutating(ctx, ep, "", obj, nil, dryRun)
	if err != nil {
		return nil, storage.ProtoMessage{}, err
	}
	if errs := validation.ValidateCreate(obj); len(errs) > 0 {
		return nil, storage.ProtoMessage{}, apierrors.NewInvalid(ep.gvk.GroupKind(), m.GetName(), errs)
	}
	warn(ctx, createWarnings(obj))
	// A dry run never reaches storage, so it checks etcd itself; a real
	// create checks the cache cheaply and storage catches what it missed.
	// An uncached resource (events) has no cheap check: a read of etcd
	// for each create, which storage's own check makes needless, so its
	// real creates leave it to storage, as upstream leaves every create.
	existsRV := "0"
	if dryRun {
		existsRV = ""
	}
	if dryRun || !ep.uncached {
		if _, err := ep.store.Get(ctx, m.GetNamespace(), m.GetName(), existsRV); err == nil {
			// An existing object is AlreadyExists, also under dryRun, and
			// is reported before the validating plugins charge quota or
			// allocation takes a Service's ClusterIP (which would
			// otherwise fail as taken). Storage still catches a
			// concurrent create.
			return nil, storage.ProtoMessage{}, apierrors.NewAlreadyExists(ep.res.GVR.GroupResource(), m.GetName())
		}
	}
	undo, err := s.admitValidating(ctx, ep, a)
	if err != nil {
		return nil, storage.ProtoMessage{}, err
	}
	if dryRun {
		undo()
		return obj, storage.ProtoMessage{}, nil
	}
	if answerFrom != nil {
		created, msg, err = answerFrom.CreateProtobuf(ctx, m.GetNamespace(), m.GetName(), obj)
	} else {
		created, err = ep.store.Create(ctx, m.GetNamespace(), m.GetName(), obj)
	}
	if err != nil {
		undo()
		return nil, storage.ProtoMessage{}, err
	}
	return created, msg, nil
}
