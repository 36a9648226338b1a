package openapi

import (
	"encoding/json"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/spec3"
	"sigs.k8s.io/yaml"
)

func TestOperations(t *testing.T) {
	paths := at(v2Doc(t), "paths")
	tests := []struct {
		path, method, id, action, gvk string
	}{
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "get", "readAppsV1NamespacedDeployment", "get", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch", "patchAppsV1NamespacedDeployment", "patch", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "get", "listAppsV1NamespacedDeployment", "list", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "post", "createAppsV1NamespacedDeployment", "post", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "delete", "deleteAppsV1CollectionNamespacedDeployment", "deletecollection", "apps/v1/Deployment"},
		{"/apis/apps/v1/deployments", "get", "listAppsV1DeploymentForAllNamespaces", "list", "apps/v1/Deployment"},
		{"/apis/apps/v1/watch/namespaces/{namespace}/deployments", "get", "watchAppsV1NamespacedDeploymentList", "watchlist", "apps/v1/Deployment"},
		{"/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}", "get", "watchAppsV1NamespacedDeployment", "watch", "apps/v1/Deployment"},
		{"/apis/apps/v1/watch/deployments", "get", "watchAppsV1DeploymentListForAllNamespaces", "watchlist", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status", "put", "replaceAppsV1NamespacedDeploymentStatus", "put", "apps/v1/Deployment"},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch", "patchAppsV1NamespacedDeploymentScale", "patch", "autoscaling/v1/Scale"},
		{"/api/v1/namespaces/{namespace}/pods/{name}", "delete", "deleteCoreV1NamespacedPod", "delete", "/v1/Pod"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/eviction", "post", "createCoreV1NamespacedPodEviction", "post", "policy/v1/Eviction"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/binding", "post", "createCoreV1NamespacedPodBinding", "post", "/v1/Binding"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/log", "get", "readCoreV1NamespacedPodLog", "get", "/v1/Pod"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/exec", "post", "connectCoreV1PostNamespacedPodExec", "connect", "/v1/PodExecOptions"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}", "get", "connectCoreV1GetNamespacedPodProxyWithPath", "connect", "/v1/PodProxyOptions"},
		{"/api/v1/namespaces/{namespace}/services/{name}/proxy", "put", "connectCoreV1PutNamespacedServiceProxy", "connect", "/v1/ServiceProxyOptions"},
		{"/api/v1/namespaces/{name}", "get", "readCoreV1Namespace", "get", "/v1/Namespace"},
		{"/api/v1/namespaces/{name}/finalize", "put", "replaceCoreV1NamespaceFinalize", "put", "/v1/Namespace"},
		{"/api/v1/watch/namespaces", "get", "watchCoreV1NamespaceList", "watchlist", "/v1/Namespace"},
		{"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}", "put", "replaceCoordinationV1NamespacedLease", "put", "coordination.k8s.io/v1/Lease"},
		{"/apis/apps/v1/", "get", "getAppsV1APIResources", "", ""},
		{"/apis/apps/", "get", "getAppsAPIGroup", "", ""},
		{"/api/", "get", "getCoreAPIVersions", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			op := at(paths, tt.path, tt.method)
			if op == nil {
				t.Fatalf("no %s %s", tt.method, tt.path)
			}
			if got := at(op, "operationId"); got != tt.id {
				t.Errorf("%s %s operationId = %v; want %q", tt.method, tt.path, got, tt.id)
			}
			if got, _ := at(op, "x-kubernetes-action").(string); got != tt.action {
				t.Errorf("%s %s x-kubernetes-action = %q; want %q", tt.method, tt.path, got, tt.action)
			}
			g, _ := at(op, "x-kubernetes-group-version-kind").(map[string]any)
			got := ""
			if g != nil {
				got = g["group"].(string) + "/" + g["version"].(string) + "/" + g["kind"].(string)
			}
			if got != tt.gvk {
				t.Errorf("%s %s x-kubernetes-group-version-kind = %q; want %q", tt.method, tt.path, got, tt.gvk)
			}
		})
	}
	if got := len(at(paths, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch", "consumes").([]any)); got != len(mediaPatch) {
		t.Errorf("deployment PATCH consumes %d media types; want %d (%v)", got, len(mediaPatch), mediaPatch)
	}
	if at(paths, "/api/v1/namespaces", "delete") != nil {
		t.Errorf("namespaces lists deletecollection although the resource does not serve it")
	}
}

// v2SupportsQueryParam is kubectl's check (cli-runtime
// resource.supportsQueryParam) of whether the server supports a query
// parameter for a GVK: the first PATCH operation carrying the GVK must list
// the parameter.
func v2SupportsQueryParam(doc *openapiv2.Document, gvk schema.GroupVersionKind, name string) bool {
	for _, path := range doc.GetPaths().GetPath() {
		op := path.GetValue().GetPatch()
		if op == nil || !v2HasGVK(op.GetVendorExtension(), gvk) {
			continue
		}
		for _, p := range op.GetParameters() {
			if p.GetParameter().GetNonBodyParameter().GetQueryParameterSubSchema().GetName() == name {
				return true
			}
		}
		return false
	}
	return false
}

func v2HasGVK(exts []*openapiv2.NamedAny, gvk schema.GroupVersionKind) bool {
	for _, e := range exts {
		if e.GetName() != "x-kubernetes-group-version-kind" {
			continue
		}
		var got map[string]string
		if err := yaml.Unmarshal([]byte(e.GetValue().GetYaml()), &got); err != nil {
			return false
		}
		return got["group"] == gvk.Group && got["version"] == gvk.Version && got["kind"] == gvk.Kind
	}
	return false
}

// v3SupportsQueryParam is kubectl's v3 check (cli-runtime
// resource.supportsQueryParamV3).
func v3SupportsQueryParam(doc *spec3.OpenAPI, gvk schema.GroupVersionKind, name string) bool {
	for _, path := range doc.Paths.Paths {
		if path == nil || path.Patch == nil {
			continue
		}
		raw, _ := json.Marshal(path.Patch.Extensions["x-kubernetes-group-version-kind"])
		var got map[string]string
		if json.Unmarshal(raw, &got) != nil || got["group"] != gvk.Group || got["version"] != gvk.Version || got["kind"] != gvk.Kind {
			continue
		}
		for _, p := range path.Patch.Parameters {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func TestServerSideFieldValidationIsDetected(t *testing.T) {
	pb, err := shared().V2Protobuf()
	if err != nil {
		t.Fatalf("V2Protobuf() error: %v", err)
	}
	v2 := &openapiv2.Document{}
	if err := proto.Unmarshal(pb, v2); err != nil {
		t.Fatalf("unmarshal V2Protobuf(): %v", err)
	}
	tests := []struct {
		gvk schema.GroupVersionKind
		key string
	}{
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "apis/apps/v1"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, "api/v1"},
		{schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, "api/v1"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Service"}, "api/v1"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, "api/v1"},
		{schema.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}, "apis/coordination.k8s.io/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.gvk.Kind, func(t *testing.T) {
			if !v2SupportsQueryParam(v2, tt.gvk, "fieldValidation") {
				t.Errorf("v2: PATCH of %v lacks fieldValidation; kubectl would validate client-side", tt.gvk)
			}
			var v3 spec3.OpenAPI
			if err := json.Unmarshal(shared().V3Paths()[tt.key], &v3); err != nil {
				t.Fatalf("decode v3 %s: %v", tt.key, err)
			}
			if !v3SupportsQueryParam(&v3, tt.gvk, "fieldValidation") {
				t.Errorf("v3 %s: PATCH of %v lacks fieldValidation", tt.key, tt.gvk)
			}
		})
	}
	unknown := schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	if v2SupportsQueryParam(v2, unknown, "fieldValidation") {
		t.Errorf("v2 claims fieldValidation for unserved %v", unknown)
	}
}

func TestPatchParameters(t *testing.T) {
	params, _ := at(v2Doc(t), "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch", "parameters").([]any)
	got := map[string]string{}
	for _, p := range params {
		name, _ := at(p, "name").(string)
		typ, _ := at(p, "type").(string)
		got[name] = typ
	}
	want := map[string]string{"body": "", "dryRun": "string", "fieldManager": "string", "fieldValidation": "string", "force": "boolean"}
	for name, typ := range want {
		if g, found := got[name]; !found || g != typ {
			t.Errorf("PATCH parameter %q = (%q, %v); want type %q", name, g, found, typ)
		}
	}
}
