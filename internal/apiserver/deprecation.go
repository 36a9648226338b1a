package apiserver

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The lifecycle methods k8s.io/api generates on its types (upstream's
// k8s:prerelease-lifecycle-gen); v1 Endpoints has the deprecation pair
// since 1.33.
type (
	lifecycleDeprecated  interface{ APILifecycleDeprecated() (major, minor int) }
	lifecycleRemoved     interface{ APILifecycleRemoved() (major, minor int) }
	lifecycleReplacement interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
)

// deprecation is what upstream's API installer derives from a kind's
// lifecycle methods for the server's version: the Warning every request to
// the resource gets, and the removed_release label of
// apiserver_requested_deprecated_apis. It is the zero value for a kind not
// deprecated at that version.
type deprecation struct {
	warning        string
	removedRelease string
}

// deprecationOf reads obj's lifecycle at server version major.minor, as
// upstream's deprecation.IsDeprecated and WarningMessage: e.g. "v1 Endpoints
// is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice".
func deprecationOf(obj runtime.Object, gvk schema.GroupVersionKind, version VersionInfo) deprecation {
	d, ok := obj.(lifecycleDeprecated)
	if !ok {
		return deprecation{}
	}
	dMajor, dMinor := d.APILifecycleDeprecated()
	if dMajor == 0 && dMinor == 0 {
		return deprecation{}
	}
	major, _ := strconv.Atoi(version.Major)
	minor, _ := strconv.Atoi(version.Minor)
	if (major != 0 || minor != 0) && (dMajor > major || (dMajor == major && dMinor > minor)) {
		return deprecation{}
	}
	out := deprecation{warning: fmt.Sprintf("%s %s is deprecated in v%d.%d+", gvk.GroupVersion(), gvk.Kind, dMajor, dMinor)}
	if r, ok := obj.(lifecycleRemoved); ok {
		if rMajor, rMinor := r.APILifecycleRemoved(); rMajor != 0 || rMinor != 0 {
			out.warning += fmt.Sprintf(", unavailable in v%d.%d+", rMajor, rMinor)
			out.removedRelease = fmt.Sprintf("%d.%d", rMajor, rMinor)
		}
	}
	if r, ok := obj.(lifecycleReplacement); ok {
		if repl := r.APILifecycleReplacement(); !repl.Empty() {
			out.warning += fmt.Sprintf("; use %s %s", repl.GroupVersion(), repl.Kind)
		}
	}
	return out
}

// newDeprecatedGauge is upstream's apiserver_requested_deprecated_apis.
func newDeprecatedGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "apiserver_requested_deprecated_apis",
		Help: "Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.",
	}, []string{"group", "version", "resource", "subresource", "removed_release"})
}
