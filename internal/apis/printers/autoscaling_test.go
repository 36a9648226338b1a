package printers

import (
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestHorizontalPodAutoscalerTargetsDescription pins the TARGETS column to
// the autoscaling/v2beta1 wording upstream quotes, without the sentence on
// the default metric that autoscaling/v2 adds.
func TestHorizontalPodAutoscalerTargetsDescription(t *testing.T) {
	for _, gv := range []schema.GroupVersion{autoscalingv1.SchemeGroupVersion, autoscalingv2.SchemeGroupVersion} {
		c := For(gv.WithKind("HorizontalPodAutoscaler")).Columns[2]
		if c.Name != "Targets" || c.Description != hpaMetricsDescription {
			t.Errorf("%v column 2 = %q: %q; want Targets: %q", gv, c.Name, c.Description, hpaMetricsDescription)
		}
	}
	v2 := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["metrics"]
	if v2 == hpaMetricsDescription || !strings.HasPrefix(v2, hpaMetricsDescription) {
		t.Errorf("autoscaling/v2 metrics doc %q does not extend the v2beta1 wording", v2)
	}
}

// TestScaleRow checks the table of a scale subresource: upstream's Name
// column there has no "name" format.
func TestScaleRow(t *testing.T) {
	gvk := autoscalingv1.SchemeGroupVersion.WithKind("Scale")
	p := For(gvk)
	if p == nil {
		t.Fatalf("For(%v) = nil; want a printer", gvk)
	}
	var got []string
	for _, c := range p.Columns {
		got = append(got, c.Name+":"+c.Type+":"+c.Format)
	}
	if want := "Name:string: Desired:integer: Available:integer: Age:string:"; join(got) != want {
		t.Errorf("Scale columns = %q; want %q", join(got), want)
	}
	checkRows(t, gvk, []rowCase{
		{"desired and available", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "test-autoscaling", CreationTimestamp: ago(3 * time.Hour)},
			Spec:       autoscalingv1.ScaleSpec{Replicas: 2},
			Status:     autoscalingv1.ScaleStatus{Replicas: 1},
		}, []interface{}{"test-autoscaling", int64(2), int64(1), "3h"}},
	})
}
