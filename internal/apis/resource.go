package apis

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/printers"
)

// Resource describes one served resource: how it is named, which verbs and
// subresources it answers, and the per-resource strategy hooks the API server
// calls around storage. A Resource is immutable once the table is built.
type Resource struct {
	// GVR is the group, served version and plural resource name.
	GVR schema.GroupVersionResource
	// Kind is the kind of a single object, e.g. "Deployment".
	Kind string
	// Namespaced is true for namespace-scoped resources.
	Namespaced bool
	// ShortNames and Categories are advertised in discovery.
	ShortNames []string
	Categories []string
	// SingularName is the lower-case singular name advertised in discovery.
	SingularName string
	// Verbs the main resource serves, in discovery order.
	Verbs []string
	// Subresources lists the subresources served, e.g. "status", "scale".
	Subresources []string
	// StorageKey is the etcd key segment of the resource, usually
	// "<group>/<resource>"; two served versions share one key.
	StorageKey string
	// New returns an empty typed object of Kind; NewList its list type.
	New     func() runtime.Object
	NewList func() runtime.Object

	// HasStatus is true when the resource has a status subresource: updates
	// of the main resource then keep the stored status, and updates of the
	// status subresource keep everything but status.
	HasStatus bool

	// Storage is set when objects are stored in another version; nil
	// means they are stored as served.
	Storage *StorageVersion

	// Printer renders server-side tables; nil means the default
	// NAME/AGE table.
	Printer *printers.Printer
}

// GroupVersionKind returns the GVK of the resource's objects.
func (r *Resource) GroupVersionKind() schema.GroupVersionKind {
	return r.GVR.GroupVersion().WithKind(r.Kind)
}

// ListKind returns the kind of the resource's list type.
func (r *Resource) ListKind() string { return r.Kind + "List" }

// HasSubresource reports whether sub is served.
func (r *Resource) HasSubresource(sub string) bool {
	for _, s := range r.Subresources {
		if s == sub {
			return true
		}
	}
	return false
}

// SelectableFields returns the field set a field selector matches against:
// metadata.name, metadata.namespace, and the per-kind fields upstream
// supports (pod spec.nodeName and status.phase, among others).
func SelectableFields(obj runtime.Object) fields.Set {
	set := fields.Set{}
	if m, err := meta.Accessor(obj); err == nil {
		set["metadata.name"] = m.GetName()
		// Always present, so that the key is supported (as upstream) even
		// when judged on an empty sample object.
		set["metadata.namespace"] = m.GetNamespace()
	}
	addKindFields(obj, set)
	return set
}

// ValidateFunc checks a new object; ValidateUpdateFunc checks an update.
type (
	ValidateFunc       func(obj runtime.Object) field.ErrorList
	ValidateUpdateFunc func(obj, old runtime.Object) field.ErrorList
)

// StorageVersion describes the stored form of a resource served in a
// version other than the one it is stored in (autoscaling/v1 HPAs are
// stored as v2). Both served versions then see the same objects.
type StorageVersion struct {
	GVK     schema.GroupVersionKind
	New     func() runtime.Object
	NewList func() runtime.Object
	// ToStorage converts a served object to the stored form; prev is the
	// stored object on update (so fields the served version cannot express
	// survive), nil on create.
	ToStorage func(obj, prev runtime.Object) runtime.Object
	// FromStorage converts a stored object to the served form.
	FromStorage func(obj runtime.Object) runtime.Object
}
