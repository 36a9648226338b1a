package apiserver

import (
	"context"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apis/defaults"
	"github.com/skiff-dev/skiff/internal/storage"
)

// endpoint is one served resource: its table entry, its storage and the
// field managers that track managedFields for it.
type endpoint struct {
	res   *apis.Resource
	gvk   schema.GroupVersionKind
	store objectStore
	// fieldManager tracks writes to the main resource; statusManager
	// writes to the status subresource.
	fieldManager  *managedfields.FieldManager
	statusManager *managedfields.FieldManager
	// created memoizes the managed fields of creates (recordCreate).
	created createFields
	// uncached is set when storage keeps no watch cache of the resource
	// (events): each read of one object is a read of etcd.
	uncached bool
	// objType is the Go type res.New returns (nil: unknown, in tests
	// that build an endpoint by hand).
	objType reflect.Type
	// deprecated is set when the kind is deprecated at the server's
	// version: every request gets its warning.
	deprecated deprecation
	// protoHead starts the protobuf envelope of an object of the kind
	// (envelopeHead); set for endpoints served from storage.
	protoHead []byte
}

// subresourceVerbs are the verbs each subresource serves, as upstream.
var subresourceVerbs = map[string][]string{
	"status":              {"get", "patch", "update"},
	"scale":               {"get", "patch", "update"},
	"ephemeralcontainers": {"get", "patch", "update"},
	"approval":            {"get", "patch", "update"},
	"finalize":            {"update"},
	"binding":             {"create"},
	"eviction":            {"create"},
	"token":               {"create"},
	"log":                 {"get"},
	"exec":                {"create", "get"},
	"attach":              {"create", "get"},
	"portforward":         {"create", "get"},
	"proxy":               {"create", "delete", "get", "patch", "update"},
}

func (ep *endpoint) allows(info requestInfo) bool {
	verbs := ep.res.Verbs
	if info.Subresource != "" {
		verbs = subresourceVerbs[info.Subresource]
	}
	for _, v := range verbs {
		if v == info.Verb {
			return true
		}
	}
	return false
}

// eventsKey is the storage key both events resources share. Events are
// served from etcd without a watch cache, as upstream's
// DefaultWatchCacheSizes has it: every component writes them, few read
// them, and a cache would hold all of them in memory. They live
// Config.EventTTL after their last write.
const eventsKey = "events"

// watchIndexes are the fields the watch caches index their watchers by,
// as upstream's TriggerFunc: every kubelet watches the pods of its node
// (fieldSelector spec.nodeName=<node>), and a pod change goes only to the
// kubelets of the node it was and is on, not to all of them.
var watchIndexes = map[schema.GroupResource]string{
	{Resource: "pods"}: "spec.nodeName",
}

func (s *Server) newEndpoint(ctx context.Context, res *apis.Resource) (*endpoint, error) {
	gvk := res.GroupVersionKind()
	rc := storage.ResourceConfig{
		GroupResource: res.GVR.GroupResource(),
		Key:           res.StorageKey,
		Namespaced:    res.Namespaced,
		GVK:           gvk,
		New:           res.New,
		NewList:       res.NewList,
		Attrs:         attrs,
		ShareDecoded:  admissionShared[res.GVR.GroupResource()],
		WatchIndex:    watchIndexes[res.GVR.GroupResource()],
	}
	if res.StorageKey == eventsKey {
		rc.Uncached, rc.TTL = true, s.cfg.EventTTL
	}
	if res.Storage != nil {
		rc.GVK, rc.New, rc.NewList = res.Storage.GVK, res.Storage.New, res.Storage.NewList
	}
	inner, err := s.cfg.Store.Resource(ctx, rc)
	if err != nil {
		return nil, err
	}
	var store objectStore = inner
	if res.Storage != nil {
		store = &convertingStore{inner: inner, sv: res.Storage}
	}
	ep := &endpoint{res: res, gvk: gvk, store: store, objType: reflect.TypeOf(res.New()), protoHead: envelopeHead(gvk),
		deprecated: deprecationOf(res.New(), gvk, s.cfg.Version), uncached: rc.Uncached}
	if err := ep.initFieldManagers(s.cfg.TypeConverter, s.cfg.Scheme); err != nil {
		return nil, err
	}
	return ep, nil
}

// initFieldManagers builds the field managers of the main resource and,
// for kinds with one, of the status subresource.
func (ep *endpoint) initFieldManagers(tc managedfields.TypeConverter, scheme *runtime.Scheme) error {
	mainReset, statusReset := resetFields(ep.res)
	var err error
	if ep.fieldManager, err = newFieldManager(tc, scheme, ep.gvk, "", mainReset); err != nil {
		return err
	}
	if ep.res.HasStatus {
		ep.statusManager, err = newFieldManager(tc, scheme, ep.gvk, "status", statusReset)
	}
	return err
}

// resetFields are the fields a writer of the main resource or of the
// status subresource may not change: status and spec respectively.
func resetFields(res *apis.Resource) (main, status map[fieldpath.APIVersion]fieldpath.Filter) {
	if !res.HasStatus {
		return nil, nil
	}
	v := fieldpath.APIVersion(res.GVR.GroupVersion().String())
	main = map[fieldpath.APIVersion]fieldpath.Filter{
		v: fieldpath.NewExcludeSetFilter(fieldpath.NewSet(fieldpath.MakePathOrDie("status"))),
	}
	status = map[fieldpath.APIVersion]fieldpath.Filter{
		v: fieldpath.NewExcludeSetFilter(fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))),
	}
	return main, status
}

func newFieldManager(tc managedfields.TypeConverter, scheme *runtime.Scheme, gvk schema.GroupVersionKind, sub string, reset map[fieldpath.APIVersion]fieldpath.Filter) (*managedfields.FieldManager, error) {
	// The converter does not copy an object already at the version, as
	// upstream's (its UnsafeConvertor): the field manager only reads what
	// it converts, and a copy of a pod cost about 1.5 % of a burst's
	// allocations.
	fm, err := managedfields.NewDefaultFieldManager(tc, runtime.UnsafeObjectConvertor(scheme), defaulter{}, scheme, gvk, gvk.GroupVersion(), sub, reset)
	if err != nil {
		return nil, fmt.Errorf("field manager for %s: %w", gvk, err)
	}
	return fm, nil
}

// defaulter applies our defaults for the field manager, which defaults
// applied objects before merging.
type defaulter struct{}

func (defaulter) Default(obj runtime.Object) { defaults.Apply(obj) }

// attrs returns the labels and selectable fields of an object.
func attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	return labels.Set(m.GetLabels()), apis.SelectableFields(obj), nil
}
