package apiserver

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
	"github.com/skiff-dev/skiff/internal/apis/validation"
	"github.com/skiff-dev/skiff/internal/apiserver/admission"
	"github.com/skiff-dev/skiff/internal/storage"
)

// ServiceAllocator hands out ClusterIPs and NodePorts for Services. The API
// server declares it; internal/apiserver/allocator implements it.
type ServiceAllocator interface {
	// Allocate assigns what svc asks for or needs, given the stored old
	// Service (nil on create). It returns an undo that releases what this
	// call allocated, for when the write fails. Errors are API errors.
	// What old held and svc no longer uses stays allocated.
	Allocate(ctx context.Context, svc, old *corev1.Service, dryRun bool) (undo func(), err error)
	// ReleaseUnused frees what old held and svc no longer uses, once svc
	// is stored in old's place.
	ReleaseUnused(ctx context.Context, svc, old *corev1.Service)
	// Release frees everything a deleted Service held.
	Release(ctx context.Context, svc *corev1.Service)
}

// immortalNamespaces may not be deleted, as upstream.
var immortalNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

// initAdmission builds the admission chain over the server's storage.
func (s *Server) initAdmission() error {
	byGR := map[schema.GroupResource]*endpoint{}
	for gvr, ep := range s.endpoints {
		// Prefer the storage version; any served version holds the objects.
		if cur, ok := byGR[gvr.GroupResource()]; !ok || ep.res.Storage == nil && cur.res.Storage != nil {
			byGR[gvr.GroupResource()] = ep
		}
	}
	chain, err := admission.New(admission.Config{Store: admissionStore{eps: byGR, live: &liveLookups{until: map[liveKey]time.Time{}}}})
	if err != nil {
		return err
	}
	s.admission = chain
	return nil
}

// admit runs admission for a write of obj (old is the stored object on
// update), after defaulting and validation: the mutating plugins (then
// defaults and validation again if they changed obj), the validating
// plugins, and Service IP allocation. The returned undo reverses side
// effects (quota charges, allocations) when the write fails.
func (s *Server) admit(ctx context.Context, ep *endpoint, subresource string, obj, old runtime.Object, dryRun bool) (func(), error) {
	a, err := s.admitMutating(ctx, ep, subresource, obj, old, dryRun)
	if err != nil {
		return noop, err
	}
	if a.Mutated {
		var errs field.ErrorList
		if old == nil {
			errs = validation.ValidateCreate(obj)
		} else {
			errs = validation.ValidateUpdate(obj, old)
		}
		if len(errs) > 0 {
			return noop, apierrors.NewInvalid(ep.gvk.GroupKind(), a.Name, errs)
		}
	}
	return s.admitValidating(ctx, ep, a)
}

func noop() {}

// admitMutating runs the mutating plugins on a write of obj and defaults
// obj again if they changed it. The attributes it returns carry the write
// on to admitValidating.
func (s *Server) admitMutating(ctx context.Context, ep *endpoint, subresource string, obj, old runtime.Object, dryRun bool) (*admission.Attributes, error) {
	m, _ := meta.Accessor(obj)
	a := &admission.Attributes{
		Operation: admission.Create, Resource: ep.res.GVR.GroupResource(), Subresource: subresource,
		Namespace: m.GetNamespace(), Name: m.GetName(), Object: obj, OldObject: old, DryRun: dryRun,
	}
	if old != nil {
		a.Operation = admission.Update
	}
	if err := s.admission.Mutate(ctx, a); err != nil {
		return nil, err
	}
	if a.Mutated {
		defaults.Apply(obj)
	}
	return a, nil
}

// admitValidating runs the validating plugins and Service IP allocation
// on the write a describes, once the object is valid.
func (s *Server) admitValidating(ctx context.Context, ep *endpoint, a *admission.Attributes) (func(), error) {
	undo, err := s.admission.Validate(ctx, a)
	if err != nil {
		return noop, err
	}
	// A status write keeps the stored spec, so there is nothing to
	// allocate; upstream's status storage has no allocation step either,
	// so a Service stored before a rule existed still takes its status.
	if svc, ok := a.Object.(*corev1.Service); ok && s.cfg.Services != nil && a.Subresource == "" {
		oldSvc, _ := a.OldObject.(*corev1.Service)
		release, err := s.cfg.Services.Allocate(ctx, svc, oldSvc, a.DryRun)
		if err != nil {
			undo()
			return noop, err
		}
		return func() { release(); undo() }, nil
	}
	return undo, nil
}

// admissionShared are the resources whose cached objects admission reads
// on the writes of other resources (each pod create reads its namespace,
// service account and the priority classes, and lists limit ranges and
// quotas): they are few, so their entries keep the object decoded once
// and the plugins, which never change what the store gives them, share
// it instead of decoding a copy per write.
var admissionShared = map[schema.GroupResource]bool{
	{Resource: "namespaces"}: true, {Resource: "serviceaccounts"}: true,
	{Resource: "limitranges"}: true, {Resource: "resourcequotas"}: true,
	{Group: "scheduling.k8s.io", Resource: "priorityclasses"}: true,
}

// sharedReader is the cached read storage.Resource offers for readers
// that never change what they get (a converting store has none); only
// admissionShared resources hand out one object, the rest a copy each.
type sharedReader interface {
	GetShared(ctx context.Context, ns, name string) (runtime.Object, error)
}

// admissionStore serves the admission plugins from the watch caches.
type admissionStore struct {
	eps  map[schema.GroupResource]*endpoint
	live *liveLookups
}

var _ admission.Store = admissionStore{}

func (st admissionStore) endpoint(gr schema.GroupResource) (*endpoint, error) {
	ep, ok := st.eps[gr]
	if !ok {
		return nil, apierrors.NewNotFound(gr, "")
	}
	return ep, nil
}

// liveLookupTTL is how long an empty consistent list stands in for the
// cache's empty answer, upstream's LimitRanger and quota live lookup TTL.
const liveLookupTTL = 30 * time.Second

// liveKey names a list admission made: a resource in a namespace.
type liveKey struct {
	gr schema.GroupResource
	ns string
}

// liveLookups remembers until when an empty cached list needs no live
// lookup, as upstream's admission plugins keep a live lookup cache: the
// cache may lag an object created a moment ago (a LimitRange just before
// the pod it should default), so an empty answer from it is checked
// against a consistent list, at most once per TTL.
type liveLookups struct {
	mu    sync.Mutex
	until map[liveKey]time.Time
}

func (l *liveLookups) fresh(k liveKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.until[k])
}

func (l *liveLookups) checked(k liveKey, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.until) > 10000 {
		for key, t := range l.until {
			if now.After(t) {
				delete(l.until, key)
			}
		}
	}
	l.until[k] = now.Add(liveLookupTTL)
}

func (st admissionStore) Get(ctx context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error) {
	ep, err := st.endpoint(gr)
	if err != nil {
		return nil, err
	}
	var got runtime.Object
	if sr, ok := ep.store.(sharedReader); ok {
		got, err = sr.GetShared(ctx, ns, name)
	} else {
		got, err = ep.store.Get(ctx, ns, name, "0")
	}
	if apierrors.IsNotFound(err) {
		// The cache may lag an object created a moment ago.
		got, err = ep.store.Get(ctx, ns, name, "")
	}
	return got, err
}

func (st admissionStore) List(ctx context.Context, gr schema.GroupResource, ns string) ([]runtime.Object, error) {
	ep, err := st.endpoint(gr)
	if err != nil {
		return nil, err
	}
	res, err := ep.store.List(ctx, ns, storage.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	if res.Len() > 0 {
		return res.SharedObjects(), nil
	}
	k, now := liveKey{gr: gr, ns: ns}, time.Now()
	if st.live.fresh(k, now) {
		return nil, nil
	}
	if res, err = ep.store.List(ctx, ns, storage.ListOptions{}); err != nil {
		return nil, err
	}
	if res.Len() == 0 {
		st.live.checked(k, now)
	}
	return res.Objects(), nil
}

func (st admissionStore) Update(ctx context.Context, gr schema.GroupResource, ns, name string, fn func(runtime.Object) (runtime.Object, error)) (runtime.Object, error) {
	ep, err := st.endpoint(gr)
	if err != nil {
		return nil, err
	}
	return ep.store.Update(ctx, ns, name, fn)
}
