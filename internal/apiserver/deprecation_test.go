package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// removedKind is deprecated in 1.20 and removed in 1.25, with a
// replacement, as upstream's beta types are.
type removedKind struct{ corev1.ConfigMap }

func (removedKind) APILifecycleDeprecated() (int, int) { return 1, 20 }
func (removedKind) APILifecycleRemoved() (int, int)    { return 1, 25 }
func (removedKind) APILifecycleReplacement() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: "g.io", Version: "v1", Kind: "New"}
}

// TestDeprecationOf follows upstream's deprecation.IsDeprecated and
// WarningMessage.
func TestDeprecationOf(t *testing.T) {
	endpoints := corev1.SchemeGroupVersion.WithKind("Endpoints")
	v := func(major, minor string) VersionInfo { return VersionInfo{Major: major, Minor: minor} }
	for _, tc := range []struct {
		name    string
		obj     runtime.Object
		gvk     schema.GroupVersionKind
		version VersionInfo
		want    deprecation
	}{
		{"Endpoints at 1.33", &corev1.Endpoints{}, endpoints, v("1", "33"),
			deprecation{warning: "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"}},
		{"Endpoints at 1.32", &corev1.Endpoints{}, endpoints, v("1", "32"), deprecation{}},
		{"no version known", &corev1.Endpoints{}, endpoints, v("", ""),
			deprecation{warning: "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"}},
		{"ConfigMap", &corev1.ConfigMap{}, corev1.SchemeGroupVersion.WithKind("ConfigMap"), v("1", "33"), deprecation{}},
		{"removed", &removedKind{}, schema.GroupVersionKind{Group: "g.io", Version: "v1beta1", Kind: "Old"}, v("1", "21"),
			deprecation{warning: "g.io/v1beta1 Old is deprecated in v1.20+, unavailable in v1.25+; use g.io/v1 New", removedRelease: "1.25"}},
		{"later major", &removedKind{}, schema.GroupVersionKind{Group: "g.io", Version: "v1beta1", Kind: "Old"}, v("2", "0"),
			deprecation{warning: "g.io/v1beta1 Old is deprecated in v1.20+, unavailable in v1.25+; use g.io/v1 New", removedRelease: "1.25"}},
	} {
		if got := deprecationOf(tc.obj, tc.gvk, tc.version); got != tc.want {
			t.Errorf("%s: deprecationOf = %+v; want %+v", tc.name, got, tc.want)
		}
	}
}
