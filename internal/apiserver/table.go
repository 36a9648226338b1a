package apiserver

import (
	"fmt"
	"net/http"
	"reflect"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/apis/printers"
)

// writeTransformed writes one object in the form the client negotiated:
// the object itself, a one-row Table, or its PartialObjectMetadata.
func (s *Server) writeTransformed(w http.ResponseWriter, r *http.Request, ep *endpoint, obj runtime.Object, _ bool) error {
	return s.writeTransformedWith(w, r, printerOf(ep), obj)
}

// scalePrinter prints the autoscaling/v1 Scale of a scale subresource.
var scalePrinter = tablePrinter{Printer: printers.For(autoscalingv1.SchemeGroupVersion.WithKind("Scale"))}

// tablePrinter prints the rows of a table. serve, when set, turns a row's
// object into the served form includeObject=Object carries: the objects of
// a resource stored in another version are printed in their stored form
// (readStore).
type tablePrinter struct {
	*printers.Printer
	serve func(runtime.Object) runtime.Object
}

// storedTable returns ep's converting store when r asks for a table: a
// table of a resource stored in another version is printed from the
// stored objects, as upstream prints its internal object before converting
// to the version asked for, so an autoscaling/v1 table of an HPA shows
// every metric autoscaling/v2 holds.
func storedTable(r *http.Request, ep *endpoint) (*convertingStore, bool) {
	cs, ok := ep.store.(*convertingStore)
	if !ok {
		return nil, false
	}
	acc, ok := negotiate(r)
	return cs, ok && acc.kind == outputTable
}

// readStore is the store a get, list or watch of ep answers r from.
func readStore(r *http.Request, ep *endpoint) objectStore {
	if cs, ok := storedTable(r, ep); ok {
		return cs.inner
	}
	return ep.store
}

// newList is the empty list a list of ep for r fills with what readStore
// returns.
func newList(r *http.Request, ep *endpoint) runtime.Object {
	if cs, ok := storedTable(r, ep); ok {
		return cs.sv.NewList()
	}
	return ep.res.NewList()
}

// writeTransformedWith is writeTransformed with the printer of obj's kind
// (a subresource's kind may not be its resource's).
func (s *Server) writeTransformedWith(w http.ResponseWriter, r *http.Request, p tablePrinter, obj runtime.Object) error {
	acc, ok := negotiate(r)
	if !ok {
		return notAcceptable()
	}
	switch acc.kind {
	case outputTable:
		m, _ := meta.Accessor(obj)
		table, err := s.toTable(r, p, []runtime.Object{obj}, metav1.ListMeta{ResourceVersion: m.GetResourceVersion()})
		if err != nil {
			return err
		}
		s.writeObject(w, r, http.StatusOK, table)
	case outputPartialMetadata:
		s.writeObject(w, r, http.StatusOK, partialMetadata(obj, acc.tableVersion))
	default:
		s.writeObject(w, r, http.StatusOK, obj)
	}
	return nil
}

// writeTransformedList writes a list in the negotiated form.
func (s *Server) writeTransformedList(w http.ResponseWriter, r *http.Request, ep *endpoint, list runtime.Object, items []runtime.Object) error {
	acc, ok := negotiate(r)
	if !ok {
		return notAcceptable()
	}
	lm, _ := meta.ListAccessor(list)
	listMeta := metav1.ListMeta{ResourceVersion: lm.GetResourceVersion(), Continue: lm.GetContinue(), RemainingItemCount: lm.GetRemainingItemCount()}
	switch acc.kind {
	case outputTable:
		table, err := s.toTable(r, printerOf(ep), items, listMeta)
		if err != nil {
			return err
		}
		s.writeObject(w, r, http.StatusOK, table)
	case outputPartialMetadata:
		out := &metav1.PartialObjectMetadataList{ListMeta: listMeta}
		out.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadataList"))
		if acc.tableVersion == "v1beta1" {
			out.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadataList"))
		}
		for _, it := range items {
			out.Items = append(out.Items, *partialMetadata(it, acc.tableVersion))
		}
		s.writeObject(w, r, http.StatusOK, out)
	default:
		s.writeObject(w, r, http.StatusOK, list)
	}
	return nil
}

func notAcceptable() error {
	return apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "get", schema.GroupResource{}, "", "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", 0, false)
}

// partialMetadata returns obj's metadata as a PartialObjectMetadata.
func partialMetadata(obj runtime.Object, _ string) *metav1.PartialObjectMetadata {
	m, _ := meta.Accessor(obj)
	out := &metav1.PartialObjectMetadata{}
	out.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadata"))
	out.ObjectMeta = *objectMetaOf(m)
	return out
}

func objectMetaOf(m metav1.Object) *metav1.ObjectMeta {
	if om, ok := m.(*metav1.ObjectMeta); ok {
		return om.DeepCopy()
	}
	return &metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(),
		Generation: m.GetGeneration(), CreationTimestamp: m.GetCreationTimestamp(), DeletionTimestamp: m.GetDeletionTimestamp(),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(), Finalizers: m.GetFinalizers()}
}

// printerOf is the printer of ep's kind: its own, or the default
// NAME/CREATED AT table. Its printer takes both the served and the stored
// form of a resource stored in another version.
func printerOf(ep *endpoint) tablePrinter {
	p := tablePrinter{Printer: ep.res.Printer}
	if p.Printer == nil {
		p.Printer = printers.Default()
	}
	if cs, ok := ep.store.(*convertingStore); ok {
		p.serve = func(obj runtime.Object) runtime.Object {
			if reflect.TypeOf(obj) == ep.objType {
				return obj
			}
			return cs.sv.FromStorage(obj)
		}
	}
	return p
}

// toTable renders objects with printer p. includeObject (None, Metadata,
// Object) decides what each row carries; Metadata is the default, as
// upstream. Rows carry the printer's conditions (Completed for a finished
// pod), as upstream's.
func (s *Server) toTable(r *http.Request, p tablePrinter, objs []runtime.Object, listMeta metav1.ListMeta) (*metav1.Table, error) {
	include := queryValue(r, "includeObject")
	switch include {
	case "":
		include = string(metav1.IncludeMetadata)
	case string(metav1.IncludeNone), string(metav1.IncludeMetadata), string(metav1.IncludeObject):
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("includeObject: Unsupported value: %q", include))
	}
	table := &metav1.Table{ListMeta: listMeta}
	table.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("Table"))
	if queryValue(r, "noHeaders") != "true" {
		table.ColumnDefinitions = p.Columns
	}
	now := s.now()
	for _, obj := range objs {
		cells, err := p.Row(obj, now)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		row := metav1.TableRow{Cells: cells}
		if p.Conditions != nil {
			row.Conditions = p.Conditions(obj)
		}
		switch include {
		case string(metav1.IncludeMetadata):
			row.Object = runtime.RawExtension{Object: partialMetadata(obj, "v1")}
		case string(metav1.IncludeObject):
			if p.serve != nil {
				obj = p.serve(obj)
			}
			row.Object = runtime.RawExtension{Object: obj}
		}
		table.Rows = append(table.Rows, row)
	}
	if table.Rows == nil {
		table.Rows = []metav1.TableRow{}
	}
	return table, nil
}
