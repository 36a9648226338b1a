package validation

import (
	"encoding/json"
	"slices"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// hpaWithSpec decodes an autoscaling/v2 HPA whose spec holds the given
// extra JSON members besides a valid scaleTargetRef and maxReplicas, and
// applies the defaults, as a create does before validating.
func hpaWithSpec(t *testing.T, members string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	doc := `{"metadata":{"name":"web","namespace":"default"},"spec":{` +
		`"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5` + members + `}}`
	var h autoscalingv2.HorizontalPodAutoscaler
	if err := json.Unmarshal([]byte(doc), &h); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	defaults.Apply(&h)
	return &h
}

// TestHPAMetrics follows upstream's validateMetrics, validateMetricSpec,
// the per-source validators, validateMetricTarget, validateMetricIdentifier
// and ValidateCrossVersionObjectReference
// (pkg/apis/autoscaling/validation/validation.go), paths and messages.
func TestHPAMetrics(t *testing.T) {
	const m0 = "spec.metrics[0]"
	const types = `supported values: "ContainerResource", "External", "Object", "Pods", "Resource"`
	const pathSeg = `may not contain '/'`
	tests := []struct {
		name    string
		members string
		want    []string
	}{
		{"valid sources", `,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},` +
			`{"type":"Pods","pods":{"metric":{"name":"qps","selector":{"matchLabels":{"a":"b"}}},"target":{"type":"AverageValue","averageValue":"1"}}},` +
			`{"type":"Object","object":{"describedObject":{"kind":"Ingress","name":"main"},"metric":{"name":"rps"},"target":{"type":"Value","value":"10"}}},` +
			`{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"3"}}},` +
			`{"type":"ContainerResource","containerResource":{"name":"memory","container":"app","target":{"type":"AverageValue","averageValue":"1Gi"}}}]`, nil},
		{"empty type", `,"metrics":[{"resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]`, []string{
			m0 + ".type: Required value: must specify a metric source type",
			m0 + `.type: Unsupported value: "": ` + types,
			m0 + `.type: Unsupported value: "": ` + types}},
		{"missing source", `,"metrics":[{"type":"Resource"}]`, []string{
			m0 + ".resource: Required value: must populate information for the given metric source"}},
		{"two sources", `,"metrics":[{"type":"Pods","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}},` +
			`"pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"1"}}}]`, []string{
			m0 + ".resource: Forbidden: must populate the given metric source only"}},
		{"resource checks", `,"metrics":[{"type":"Resource","resource":{"target":{"averageUtilization":0,"averageValue":"-1"}}}]`, []string{
			m0 + ".resource.name: Required value: must specify a resource name",
			m0 + ".resource.target.type: Required value: must specify a metric target type",
			m0 + `.resource.target.type: Invalid value: "": must be either Utilization, Value, or AverageValue`,
			m0 + `.resource.target.averageValue: Invalid value: "-1": must be positive`,
			m0 + ".resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
			m0 + ".resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization"}},
		{"resource without target values", `,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Value","value":"1"}}}]`, []string{
			m0 + ".resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization"}},
		{"object checks", `,"metrics":[{"type":"Object","object":{"describedObject":{"kind":"a/b"},"metric":{"name":"x/y"},"target":{"type":"Value"}}}]`, []string{
			m0 + `.object.describedObject.kind: Invalid value: "a/b": ` + pathSeg,
			m0 + ".object.describedObject.name: Required value",
			m0 + `.object.metric.name: Invalid value: "x/y": ` + pathSeg,
			m0 + ".object.target.averageValue: Required value: must set either a target value or averageValue"}},
		{"pods checks", `,"metrics":[{"type":"Pods","pods":{"metric":{},"target":{"type":"Value","value":"0"}}}]`, []string{
			m0 + ".pods.metric.name: Required value: must specify a metric name",
			m0 + `.pods.target.value: Invalid value: "0": must be positive`,
			m0 + ".pods.target.averageValue: Required value: must specify a positive target averageValue"}},
		{"external both targets", `,"metrics":[{"type":"External","external":{"metric":{"name":"q"},"target":{"type":"Value","value":"1","averageValue":"1"}}}]`, []string{
			m0 + ".external.target.value: Forbidden: may not set both a target value for metric and a per-pod target"}},
		{"container resource checks", `,"metrics":[{"type":"ContainerResource","containerResource":{"name":"pods","container":"App","target":{"type":"Utilization","averageUtilization":5}}}]`, []string{
			m0 + `.containerResource.name: Invalid value: "pods": must be a standard resource for containers`,
			m0 + `.containerResource.container: Invalid value: "App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"scale to zero", `,"minReplicas":0`, []string{
			"spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
			"spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorStrings(ValidateCreate(hpaWithSpec(t, tt.members))); !slices.Equal(got, tt.want) {
				t.Errorf("ValidateCreate(spec %s) = %q; want %q", tt.members, got, tt.want)
			}
		})
	}
}

// TestHPAScaleTargetRef: kind and name are required path segments, as
// upstream's ValidateCrossVersionObjectReference; kind was unchecked.
func TestHPAScaleTargetRef(t *testing.T) {
	h := hpaWithSpec(t, "")
	h.Spec.ScaleTargetRef.Kind = "Deploy/ment"
	h.Spec.ScaleTargetRef.Name = ".."
	want := []string{`spec.scaleTargetRef.kind: Invalid value: "Deploy/ment": may not contain '/'`,
		`spec.scaleTargetRef.name: Invalid value: "..": may not be '..'`}
	if got := errorStrings(ValidateCreate(h)); !slices.Equal(got, want) {
		t.Errorf("ValidateCreate(scaleTargetRef %+v) = %q; want %q", h.Spec.ScaleTargetRef, got, want)
	}
}
