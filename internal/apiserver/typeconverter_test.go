package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

func TestTypedGoConverterMatchesValidating(t *testing.T) {
	inner := applyconfigurations.NewTypeConverter(scheme.Scheme)
	c := newTypedGoConverter(inner, scheme.Scheme)
	pod := func() *corev1.Pod {
		return &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"app": "x"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "c", Image: "nginx",
				Env:       []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
			}}},
		}
	}
	// The first call of a kind validates and learns the type; the
	// second goes the unvalidated way. Both must give upstream's set.
	for i := 0; i < 2; i++ {
		got, err := c.ObjectToTyped(pod(), typed.AllowDuplicates)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		want, err := inner.ObjectToTyped(pod(), typed.AllowDuplicates)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := got.ToFieldSet()
		if err != nil {
			t.Fatal(err)
		}
		ws, err := want.ToFieldSet()
		if err != nil {
			t.Fatal(err)
		}
		if !gs.Equals(ws) {
			t.Fatalf("call %d: field sets differ:\n%s\nwant\n%s", i, gs, ws)
		}
	}
	if _, ok := c.types.Load(pod().GroupVersionKind()); !ok {
		t.Fatal("the pod type was not remembered")
	}
}

func TestTypedGoConverterValidatesUnstructured(t *testing.T) {
	c := newTypedGoConverter(applyconfigurations.NewTypeConverter(scheme.Scheme), scheme.Scheme)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p"},
		"spec":     map[string]any{"containers": "not a list"},
	}}
	if _, err := c.ObjectToTyped(u); err == nil {
		t.Fatal("an invalid unstructured pod converted without error")
	}
}

// TestTypedGoConverterRefusesNewerFields: an apply configuration setting
// fields newer than the served version gets the error of an undeclared
// field, with the schema's path (list keys included); one without them
// converts.
func TestTypedGoConverterRefusesNewerFields(t *testing.T) {
	c := newTypedGoConverter(applyconfigurations.NewTypeConverter(scheme.Scheme), scheme.Scheme)
	pod := func(spec map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": "p", "labels": map[string]any{"hostnameOverride": "x"}},
			"spec":     spec,
		}}
	}
	container := map[string]any{"name": "c", "image": "nginx",
		"restartPolicyRules": []any{map[string]any{"action": "Restart"}},
		"readinessProbe":     map[string]any{"httpGet": map[string]any{"port": int64(80), "protocol": "HTTP2"}},
	}
	_, err := c.ObjectToTyped(pod(map[string]any{"hostnameOverride": "h", "containers": []any{container}}))
	want := "errors:\n" +
		"  .spec.hostnameOverride: field not declared in schema\n" +
		"  .spec.containers[name=\"c\"].restartPolicyRules: field not declared in schema\n" +
		"  .spec.containers[name=\"c\"].readinessProbe.httpGet.protocol: field not declared in schema"
	if err == nil || err.Error() != want {
		t.Errorf("apply with newer fields: err %v; want\n%s", err, want)
	}
	delete(container, "restartPolicyRules")
	delete(container, "readinessProbe")
	if _, err := c.ObjectToTyped(pod(map[string]any{"containers": []any{container}})); err != nil {
		t.Errorf("apply without newer fields (a label named like one): %v", err)
	}
}
