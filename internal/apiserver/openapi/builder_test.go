package openapi

import (
	"reflect"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// testResources is a small served set: the kinds the tests look at.
func testResources() []Resource {
	return []Resource{
		{GVK: appsv1.SchemeGroupVersion.WithKind("Deployment"), Resource: "deployments", Namespaced: true,
			Verbs: allVerbs, Subresources: []string{"status", "scale"},
			Type: reflect.TypeFor[appsv1.Deployment](), ListType: reflect.TypeFor[appsv1.DeploymentList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Pod"), Resource: "pods", Namespaced: true,
			Verbs: allVerbs, Subresources: []string{"status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"},
			Type: reflect.TypeFor[corev1.Pod](), ListType: reflect.TypeFor[corev1.PodList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Service"), Resource: "services", Namespaced: true,
			Verbs: allVerbs, Subresources: []string{"status", "proxy"},
			Type: reflect.TypeFor[corev1.Service](), ListType: reflect.TypeFor[corev1.ServiceList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("ConfigMap"), Resource: "configmaps", Namespaced: true,
			Verbs: allVerbs, Type: reflect.TypeFor[corev1.ConfigMap](), ListType: reflect.TypeFor[corev1.ConfigMapList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Namespace"), Resource: "namespaces",
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}, Subresources: []string{"status", "finalize"},
			Type: reflect.TypeFor[corev1.Namespace](), ListType: reflect.TypeFor[corev1.NamespaceList]()},
	}
}

// shared builds the test documents once for the whole package.
var shared = sync.OnceValue(func() *Builder { return NewBuilder(testResources(), "v1.33.0") })

var _ = schema.GroupVersion{}

func TestDump(t *testing.T) {
	b := shared()
	v2, err := b.V2()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("v2 %d bytes", len(v2))
}
