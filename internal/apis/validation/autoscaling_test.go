package validation

import (
	"encoding/json"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// hpaV2JSON decodes an autoscaling/v2 HPA whose spec.behavior is behavior
// and applies the defaults, as a create does before validating.
func hpaV2JSON(t *testing.T, behavior string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	doc := `{"metadata":{"name":"web","namespace":"default"},"spec":{` +
		`"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5,` +
		`"behavior":` + behavior + `}}`
	var h autoscalingv2.HorizontalPodAutoscaler
	if err := json.Unmarshal([]byte(doc), &h); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	defaults.Apply(&h)
	return &h
}

// TestHPABehavior follows upstream's validateScalingRules and
// validateScalingPolicy (pkg/apis/autoscaling/validation/validation.go),
// after the v2 defaults (pkg/apis/autoscaling/v2/defaults.go) fill an
// unset policy list but keep an empty one.
func TestHPABehavior(t *testing.T) {
	tests := []struct {
		name     string
		behavior string
		want     []string // error strings, in order; none when empty
	}{
		{"window only, policies defaulted", `{"scaleDown":{"stabilizationWindowSeconds":60}}`, nil},
		{"empty rules block", `{"scaleUp":{}}`, nil},
		{"empty policy list", `{"scaleDown":{"stabilizationWindowSeconds":60,"policies":[]}}`,
			[]string{"spec.behavior.scaleDown.policies: Required value: must specify at least one Policy"}},
		{"negative window", `{"scaleUp":{"stabilizationWindowSeconds":-1}}`,
			[]string{"spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero"}},
		{"window too long", `{"scaleUp":{"stabilizationWindowSeconds":3601}}`,
			[]string{"spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600"}},
		{"window at the limit", `{"scaleUp":{"stabilizationWindowSeconds":3600}}`, nil},
		{"unknown selectPolicy", `{"scaleUp":{"selectPolicy":"Fastest"}}`,
			[]string{`spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"`}},
		{"policy without type", `{"scaleDown":{"policies":[{"value":1,"periodSeconds":60}]}}`,
			[]string{`spec.behavior.scaleDown.policies[0].type: Unsupported value: "": supported values: "Percent", "Pods"`}},
		{"policy zero value and period", `{"scaleDown":{"policies":[{"type":"Pods","value":0,"periodSeconds":0}]}}`,
			[]string{
				"spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero",
				"spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 0: must be greater than zero",
			}},
		{"policy period too long", `{"scaleDown":{"policies":[{"type":"Percent","value":10,"periodSeconds":1801}]}}`,
			[]string{"spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800"}},
		{"policy period at the limit", `{"scaleDown":{"policies":[{"type":"Percent","value":10,"periodSeconds":1800}]}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range ValidateCreate(hpaV2JSON(t, tt.behavior)) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ValidateCreate(behavior %s) = %q; want %q", tt.behavior, got, tt.want)
			}
		})
	}
}
