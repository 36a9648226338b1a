package openapi

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

func TestDefinitionsHaveUpstreamNamesAndTypes(t *testing.T) {
	defs := at(v2Doc(t), "definitions")
	tests := []struct {
		name, typ, format string
	}{
		{"io.k8s.api.apps.v1.Deployment", "object", ""},
		{"io.k8s.api.apps.v1.DeploymentList", "object", ""},
		{"io.k8s.api.core.v1.Pod", "object", ""},
		{"io.k8s.api.core.v1.Service", "object", ""},
		{"io.k8s.api.core.v1.ConfigMap", "object", ""},
		{"io.k8s.api.autoscaling.v1.Scale", "object", ""},
		{"io.k8s.api.policy.v1.Eviction", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Patch", "object", ""},
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "string", ""},
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "string", "int-or-string"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Time", "string", "date-time"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", "string", "date-time"},
		{"io.k8s.apimachinery.pkg.runtime.RawExtension", "object", ""},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "object", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := at(defs, tt.name)
			if def == nil {
				t.Fatalf("definition %q missing", tt.name)
			}
			if got := at(def, "type"); got != tt.typ {
				t.Errorf("%s type = %v; want %q", tt.name, got, tt.typ)
			}
			if got, _ := at(def, "format").(string); got != tt.format {
				t.Errorf("%s format = %q; want %q", tt.name, got, tt.format)
			}
			if at(def, "description") == nil {
				t.Errorf("%s has no description", tt.name)
			}
		})
	}
}

func TestV3ScalarsUseOneOf(t *testing.T) {
	schemas := at(v3Doc(t, "apis/apps/v1"), "components", "schemas")
	tests := []struct {
		name, format string
		oneOf        []any
	}{
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "int-or-string",
			[]any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "",
			[]any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}},
	}
	for _, tt := range tests {
		def := at(schemas, tt.name)
		if got := at(def, "oneOf"); !reflect.DeepEqual(got, tt.oneOf) {
			t.Errorf("v3 %s oneOf = %v; want %v", tt.name, got, tt.oneOf)
		}
		if got, _ := at(def, "format").(string); got != tt.format {
			t.Errorf("v3 %s format = %q; want %q", tt.name, got, tt.format)
		}
		if got := at(def, "type"); got != nil {
			t.Errorf("v3 %s type = %v; want none beside oneOf", tt.name, got)
		}
	}
}

func TestMaxSurgeIsIntOrStringWithUpstreamDoc(t *testing.T) {
	want := appsv1.RollingUpdateDeployment{}.SwaggerDoc()["maxSurge"]
	const intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	t.Run("v2", func(t *testing.T) {
		defs := at(v2Doc(t), "definitions")
		field := follow(t, defs, "#/definitions/", "io.k8s.api.apps.v1.Deployment", "spec", "strategy", "rollingUpdate", "maxSurge")
		if got := at(field, "$ref"); got != "#/definitions/"+intOrString {
			t.Errorf("maxSurge $ref = %v; want IntOrString", got)
		}
		if got := at(field, "description"); got != want {
			t.Errorf("maxSurge description = %q; want %q", got, want)
		}
	})
	t.Run("v3", func(t *testing.T) {
		schemas := at(v3Doc(t, "apis/apps/v1"), "components", "schemas")
		field := follow(t, schemas, "#/components/schemas/", "io.k8s.api.apps.v1.Deployment", "spec", "strategy", "rollingUpdate", "maxSurge")
		if got := at(field, "allOf"); !reflect.DeepEqual(got, []any{map[string]any{"$ref": "#/components/schemas/" + intOrString}}) {
			t.Errorf("maxSurge allOf = %v; want one $ref to IntOrString", got)
		}
		if got := at(field, "description"); got != want {
			t.Errorf("maxSurge description = %q; want %q", got, want)
		}
	})
}

// follow resolves definition root, then walks its properties along path,
// resolving $ref and single-element allOf the way kubectl explain does.
func follow(t *testing.T, defs any, prefix, root string, path ...string) any {
	t.Helper()
	cur := at(defs, root)
	for i, p := range path {
		resolved := cur
		if all, isList := at(cur, "allOf").([]any); isList && len(all) == 1 {
			resolved = all[0]
		}
		if ref, isRef := at(resolved, "$ref").(string); isRef {
			resolved = at(defs, ref[len(prefix):])
		}
		cur = at(resolved, "properties", p)
		if cur == nil {
			t.Fatalf("%s: no property %q at %v", root, p, path[:i])
		}
	}
	return cur
}

func TestFieldExtensionsAndRequired(t *testing.T) {
	defs := at(v2Doc(t), "definitions")
	tests := []struct {
		def, field, key string
		want            any
	}{
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-patch-merge-key", "name"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-patch-strategy", "merge"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-list-type", "map"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-list-map-keys", []any{"name"}},
		{"io.k8s.api.core.v1.PodSpec", "volumes", "x-kubernetes-patch-strategy", "merge,retainKeys"},
		{"io.k8s.api.core.v1.Container", "ports", "x-kubernetes-list-map-keys", []any{"containerPort", "protocol"}},
		{"io.k8s.api.core.v1.Container", "args", "x-kubernetes-list-type", "atomic"},
		{"io.k8s.api.core.v1.ServiceSpec", "ports", "x-kubernetes-patch-merge-key", "port"},
		{"io.k8s.api.apps.v1.DeploymentSpec", "strategy", "x-kubernetes-patch-strategy", "retainKeys"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", "x-kubernetes-list-type", "set"},
		{"io.k8s.api.core.v1.PodSpec", "nodeSelector", "x-kubernetes-map-type", "atomic"},
	}
	for _, tt := range tests {
		if got := at(defs, tt.def, "properties", tt.field, tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.%s %s = %v; want %v", tt.def, tt.field, tt.key, got, tt.want)
		}
	}
	if got := at(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "x-kubernetes-map-type"); got != "atomic" {
		t.Errorf("LabelSelector x-kubernetes-map-type = %v; want atomic", got)
	}
	required := []struct {
		def  string
		want []any
	}{
		{"io.k8s.api.apps.v1.DeploymentSpec", []any{"selector", "template"}},
		{"io.k8s.api.core.v1.PodSpec", []any{"containers"}},
		{"io.k8s.api.core.v1.Container", []any{"name"}},
		{"io.k8s.api.core.v1.ContainerPort", []any{"containerPort"}},
		{"io.k8s.api.core.v1.GRPCAction", []any{"port"}},
		{"io.k8s.api.apps.v1.DeploymentList", []any{"items"}},
		{"io.k8s.api.apps.v1.Deployment", nil},
	}
	for _, tt := range required {
		if got, _ := at(defs, tt.def, "required").([]any); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s required = %v; want %v", tt.def, got, tt.want)
		}
	}
}

func TestV3Defaults(t *testing.T) {
	schemas := at(v3Doc(t, "apis/apps/v1"), "components", "schemas")
	tests := []struct {
		def, field string
		path       []string
		want       any
	}{
		{"io.k8s.api.apps.v1.Deployment", "metadata", []string{"default"}, map[string]any{}},
		{"io.k8s.api.apps.v1.DeploymentList", "items", []string{"items", "default"}, map[string]any{}},
		{"io.k8s.api.core.v1.Container", "name", []string{"default"}, ""},
		{"io.k8s.api.core.v1.Container", "args", []string{"items", "default"}, ""},
		{"io.k8s.api.core.v1.ContainerPort", "containerPort", []string{"default"}, float64(0)},
		{"io.k8s.api.core.v1.Container", "image", []string{"default"}, nil},
		{"io.k8s.api.apps.v1.DeploymentCondition", "lastUpdateTime", []string{"default"}, nil},
	}
	for _, tt := range tests {
		if got := at(at(schemas, tt.def, "properties", tt.field), tt.path...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("v3 %s.%s %v = %#v; want %#v", tt.def, tt.field, tt.path, got, tt.want)
		}
	}
	defs := at(v2Doc(t), "definitions")
	if got := at(defs, "io.k8s.api.core.v1.Container", "properties", "name", "default"); got != nil {
		t.Errorf("v2 Container.name default = %#v; want none (upstream's v2 has no defaults)", got)
	}
}

func TestGroupVersionKindExtensions(t *testing.T) {
	defs := at(v2Doc(t), "definitions")
	gvk := func(g, v, k string) any { return map[string]any{"group": g, "version": v, "kind": k} }
	tests := []struct {
		def  string
		want []any
	}{
		{"io.k8s.api.apps.v1.Deployment", []any{gvk("apps", "v1", "Deployment")}},
		{"io.k8s.api.apps.v1.DeploymentList", []any{gvk("apps", "v1", "DeploymentList")}},
		{"io.k8s.api.core.v1.Pod", []any{gvk("", "v1", "Pod")}},
		{"io.k8s.api.autoscaling.v1.Scale", []any{gvk("autoscaling", "v1", "Scale")}},
		{"io.k8s.api.policy.v1.Eviction", []any{gvk("policy", "v1", "Eviction")}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", []any{gvk("", "v1", "Status")}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", []any{gvk("", "v1", "DeleteOptions"), gvk("apps", "v1", "DeleteOptions"), gvk("coordination.k8s.io", "v1", "DeleteOptions")}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", []any{gvk("", "v1", "WatchEvent"), gvk("apps", "v1", "WatchEvent"), gvk("coordination.k8s.io", "v1", "WatchEvent")}},
		{"io.k8s.api.core.v1.PodSpec", nil},
	}
	for _, tt := range tests {
		if got, _ := at(defs, tt.def, "x-kubernetes-group-version-kind").([]any); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s x-kubernetes-group-version-kind = %v; want %v", tt.def, got, tt.want)
		}
	}
}

func TestDefinitionName(t *testing.T) {
	type local struct{}
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"generated model name", reflect.TypeFor[appsv1.Deployment](), "io.k8s.api.apps.v1.Deployment"},
		{"derived from package path", reflect.TypeFor[local](), "com.github.skiff_dev.skiff.internal.apiserver.openapi.local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := definitionName(tt.typ); got != tt.want {
				t.Errorf("definitionName(%v) = %q; want %q", tt.typ, got, tt.want)
			}
		})
	}
}

// TestNewerFieldsLeftOut: the documents describe the served version, so
// fields the k8s.io/api module has and 1.33 does not (newerfields) are
// not properties, the types only they use are not definitions, and
// ListOptions' newer field is no list parameter.
func TestNewerFieldsLeftOut(t *testing.T) {
	defs := at(v2Doc(t), "definitions")
	for _, tt := range []struct{ def, field string }{
		{"io.k8s.api.core.v1.PodSpec", "hostnameOverride"},
		{"io.k8s.api.core.v1.Container", "restartPolicyRules"},
		{"io.k8s.api.core.v1.HTTPGetAction", "protocol"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", "shardInfo"},
	} {
		if at(defs, tt.def) == nil {
			t.Fatalf("definition %s missing", tt.def)
		}
		if at(defs, tt.def, "properties", tt.field) != nil {
			t.Errorf("%s has property %s, which 1.33 does not", tt.def, tt.field)
		}
	}
	if at(defs, "io.k8s.api.core.v1.PodSpec", "properties", "nodeName") == nil {
		t.Error("PodSpec lost nodeName")
	}
	for _, def := range []string{"io.k8s.api.core.v1.FileKeySelector", "io.k8s.api.core.v1.ContainerRestartRule"} {
		if at(defs, def) != nil {
			t.Errorf("definition %s present; only newer fields use it", def)
		}
	}
	v3 := v3Doc(t, "api/v1")
	if at(v3, "components", "schemas", "io.k8s.api.core.v1.PodSpec", "properties", "hostnameOverride") != nil {
		t.Error("v3 PodSpec has hostnameOverride")
	}
	params, _ := at(v2Doc(t), "paths", "/api/v1/pods", "get", "parameters").([]any)
	if len(params) == 0 {
		params, _ = at(v2Doc(t), "paths", "/api/v1/pods", "parameters").([]any)
	}
	var names []string
	for _, p := range params {
		if n, _ := at(p, "name").(string); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatal("no parameters on GET /api/v1/pods")
	}
	for _, n := range names {
		if n == "shardSelector" {
			t.Errorf("GET /api/v1/pods lists parameter shardSelector; have %v", names)
		}
	}
}
