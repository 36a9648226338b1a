package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/kube-openapi/pkg/spec3"
	openapiproto "k8s.io/kube-openapi/pkg/util/proto"
	protovalidation "k8s.io/kube-openapi/pkg/util/proto/validation"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"
)

// These tests read the documents the way kubectl does: v2 as gnostic
// protobuf into kube-openapi's proto models (explain's v2 mode and
// client-side validation), v3 as spec3 (explain, field validation
// detection, apply's patch metadata).

// v2Models decodes V2Protobuf as kubectl does.
func v2Models(t *testing.T) openapiproto.Models {
	t.Helper()
	pb, err := shared().V2Protobuf()
	if err != nil {
		t.Fatalf("V2Protobuf() error: %v", err)
	}
	doc := &openapiv2.Document{}
	if err := proto.Unmarshal(pb, doc); err != nil {
		t.Fatalf("unmarshal protobuf: %v", err)
	}
	models, err := openapiproto.NewOpenAPIData(doc)
	if err != nil {
		t.Fatalf("proto.NewOpenAPIData: %v", err)
	}
	return models
}

// modelFor finds the model carrying gvk, as kubectl's openapi.Resources does.
func modelFor(t *testing.T, models openapiproto.Models, group, version, kind string) (string, openapiproto.Schema) {
	t.Helper()
	for _, name := range models.ListModels() {
		m := models.LookupModel(name)
		list, _ := m.GetExtensions()["x-kubernetes-group-version-kind"].([]any)
		for _, g := range list {
			gm, _ := g.(map[any]any)
			if gm["group"] == group && gm["version"] == version && gm["kind"] == kind {
				return name, m
			}
		}
	}
	t.Fatalf("no model has GVK %s/%s %s", group, version, kind)
	return "", nil
}

func TestV2ClientSideValidation(t *testing.T) {
	models := v2Models(t)
	name, model := modelFor(t, models, "apps", "v1", "Deployment")
	if name != "io.k8s.api.apps.v1.Deployment" {
		t.Errorf("model of apps/v1 Deployment = %q; want io.k8s.api.apps.v1.Deployment", name)
	}
	tests := []struct {
		name    string
		yaml    string
		wantErr string // substring of one error; "" for none
	}{
		{"valid", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m, memory: 128Mi}}
`, ""},
		{"unknown field", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template: {spec: {containers: [{name: web, image: nginx, imagee: typo}]}}
`, "imagee"},
		{"missing container name", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template: {spec: {containers: [{image: nginx}]}}
`, "name"},
		{"wrong type", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: two, selector: {}, template: {spec: {containers: [{name: a}]}}}
`, "replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tt.yaml), &obj); err != nil {
				t.Fatalf("test yaml: %v", err)
			}
			errs := protovalidation.ValidateModel(obj, model, name)
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Errorf("ValidateModel(%s) = %v; want no errors", tt.name, errs)
				}
				return
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.wantErr) {
					return
				}
			}
			t.Errorf("ValidateModel(%s) = %v; want an error mentioning %q", tt.name, errs, tt.wantErr)
		})
	}
}

func TestV3DocumentsParseAndResolve(t *testing.T) {
	for key, raw := range shared().V3Paths() {
		t.Run(key, func(t *testing.T) {
			var doc spec3.OpenAPI
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("spec3 decode %s: %v", key, err)
			}
			if doc.Version != "3.0.0" || doc.Paths == nil || len(doc.Paths.Paths) == 0 {
				t.Fatalf("%s: openapi = %q with %d paths; want 3.0.0 with paths", key, doc.Version, len(doc.Paths.Paths))
			}
			// Every $ref must resolve inside the document's own components.
			var generic map[string]any
			if err := json.Unmarshal(raw, &generic); err != nil {
				t.Fatal(err)
			}
			schemas, _ := at(generic, "components", "schemas").(map[string]any)
			walkRefs(generic, func(ref string) {
				name, isLocal := strings.CutPrefix(ref, "#/components/schemas/")
				if !isLocal || schemas[name] == nil {
					t.Errorf("%s: $ref %q does not resolve", key, ref)
				}
			})
		})
	}
}

func walkRefs(v any, fn func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, isString := x.(string); isString && k == "$ref" {
				fn(s)
			}
			walkRefs(x, fn)
		}
	case []any:
		for _, x := range v {
			walkRefs(x, fn)
		}
	}
}

// TestPatchMetaMergesContainersByName is what client-side kubectl apply
// does with the documents: strategic merge patch metadata from the schema
// (v3 in kubectl 1.28 and later, v2 before), so that a patch of one
// container keeps the others.
func TestPatchMetaMergesContainersByName(t *testing.T) {
	var doc spec3.OpenAPI
	if err := json.Unmarshal(shared().V3Paths()["apis/apps/v1"], &doc); err != nil {
		t.Fatalf("spec3 decode: %v", err)
	}
	_, v2Deployment := modelFor(t, v2Models(t), "apps", "v1", "Deployment")
	tests := []struct {
		name string
		meta strategicpatch.LookupPatchMeta
	}{
		{"v3", strategicpatch.PatchMetaFromOpenAPIV3{SchemaList: doc.Components.Schemas,
			Schema: doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"]}},
		{"v2", strategicpatch.NewPatchMetaFromOpenAPI(v2Deployment)},
	}
	original := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}}}`)
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"}]}}}}`)
	want := `{"spec":{"template":{"spec":{"containers":[{"image":"a:1","name":"a"},{"image":"b:2","name":"b"}]}}}}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := strategicpatch.StrategicMergePatchUsingLookupPatchMeta(original, patch, tt.meta)
			if err != nil {
				t.Fatalf("StrategicMergePatchUsingLookupPatchMeta: %v", err)
			}
			if string(got) != want {
				t.Errorf("patched = %s; want %s", got, want)
			}
		})
	}
}

// TestV2RoundTripsThroughSpec decodes the v2 document into kube-openapi's
// spec.Swagger and back, and checks nothing was lost.
func TestV2RoundTripsThroughSpec(t *testing.T) {
	raw, err := shared().V2()
	if err != nil {
		t.Fatalf("V2() error: %v", err)
	}
	var sw spec.Swagger
	if err := json.Unmarshal(raw, &sw); err != nil {
		t.Fatalf("spec.Swagger decode: %v", err)
	}
	again, err := json.Marshal(&sw)
	if err != nil {
		t.Fatalf("spec.Swagger encode: %v", err)
	}
	var a, b map[string]any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &b); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"definitions", "paths", "info", "swagger", "securityDefinitions"} {
		if !reflect.DeepEqual(a[key], b[key]) {
			t.Errorf("round trip through spec.Swagger changed %q", key)
		}
	}
}
