package openapi

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/applyconfigurations"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
)

// listTypes answers which list and map semantics a field has, from the
// structured-merge-diff schema that client-go ships for server-side apply.
// That schema is generated from upstream's +listType, +listMapKey,
// +mapType and +structType markers, which the Go struct tags do not carry.
// A nil *listTypes answers nothing.
type listTypes struct {
	schema *smdschema.Schema
}

// loadListTypes reads client-go's schema through its exported type
// converter: converting an empty ConfigMap yields a typed value whose
// schema holds every built-in type.
func loadListTypes() (*listTypes, error) {
	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(corev1.SchemeGroupVersion, &corev1.ConfigMap{})
	tc := applyconfigurations.NewTypeConverter(scheme)
	cm := &corev1.ConfigMap{}
	cm.APIVersion, cm.Kind = "v1", "ConfigMap"
	tv, err := tc.ObjectToTyped(cm)
	if err != nil {
		return nil, fmt.Errorf("read structured-merge-diff schema: %w", err)
	}
	return &listTypes{schema: tv.Schema()}, nil
}

// field returns the x-kubernetes-list-type, list-map-keys and map-type of
// field name of definition owner ("" when unknown or not applicable).
func (l *listTypes) field(owner, name string) (listType string, keys []string, mapType string) {
	if l == nil || owner == "" {
		return "", nil, ""
	}
	td, ok := l.schema.FindNamedType(owner)
	if !ok || td.Map == nil {
		return "", nil, ""
	}
	sf, ok := td.Map.FindField(name)
	if !ok {
		return "", nil, ""
	}
	atom, ok := l.schema.Resolve(sf.Type)
	if !ok {
		return "", nil, ""
	}
	switch {
	case atom.List != nil:
		switch atom.List.ElementRelationship {
		case smdschema.Associative:
			if len(atom.List.Keys) > 0 {
				return "map", append([]string(nil), atom.List.Keys...), ""
			}
			return "set", nil, ""
		case smdschema.Atomic:
			return "atomic", nil, ""
		}
	case atom.Map != nil && sf.Type.NamedType == nil && atom.Map.ElementRelationship == smdschema.Atomic:
		// An inline map with +mapType=atomic; named struct types carry
		// their own x-kubernetes-map-type on the definition.
		return "", nil, "atomic"
	}
	return "", nil, ""
}

// structMapType returns "atomic" for a definition marked +structType=atomic
// (or +mapType=atomic), like LabelSelector.
func (l *listTypes) structMapType(name string) string {
	if l == nil {
		return ""
	}
	td, ok := l.schema.FindNamedType(name)
	if !ok || td.Map == nil || td.Map.ElementRelationship != smdschema.Atomic {
		return ""
	}
	return "atomic"
}
