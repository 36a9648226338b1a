package validation

import (
	"slices"
	"testing"
)

// TestHPATolerance follows upstream 1.33's validateScalingRules
// (pkg/apis/autoscaling/validation/validation.go), which checks a scaling
// rule's tolerance with ValidateNonnegativeQuantity after its policies.
// The API server drops a tolerance on create and on an update of an HPA
// without one, so validation meets it on updates of an HPA that has one.
func TestHPATolerance(t *testing.T) {
	tests := []struct {
		name     string
		behavior string
		want     []string
	}{
		{"zero and positive", `{"scaleUp":{"tolerance":"0"},"scaleDown":{"tolerance":"0.1"}}`, nil},
		{"negative scale-up", `{"scaleUp":{"tolerance":"-0.05"}}`,
			[]string{`spec.behavior.scaleUp.tolerance: Invalid value: "-50m": must be greater than or equal to 0`}},
		{"negative scale-down after its policies", `{"scaleDown":{"policies":[],"tolerance":"-1"}}`,
			[]string{"spec.behavior.scaleDown.policies: Required value: must specify at least one Policy",
				`spec.behavior.scaleDown.tolerance: Invalid value: "-1": must be greater than or equal to 0`}},
	}
	old := hpaV2JSON(t, `{"scaleUp":{"tolerance":"0.05"}}`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hpa := hpaV2JSON(t, tc.behavior)
			if got := errorStrings(ValidateCreate(hpa)); !slices.Equal(got, tc.want) {
				t.Errorf("ValidateCreate(behavior %s) = %q; want %q", tc.behavior, got, tc.want)
			}
			if got := errorStrings(ValidateUpdate(hpa, old)); !slices.Equal(got, tc.want) {
				t.Errorf("ValidateUpdate(behavior %s, old with a tolerance) = %q; want %q", tc.behavior, got, tc.want)
			}
		})
	}
}
