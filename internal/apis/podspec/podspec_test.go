package podspec

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		obj  runtime.Object
		path string
	}{
		{&corev1.Pod{}, "spec"},
		{&corev1.PodTemplate{}, "template.spec"},
		{&corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{}}}, "spec.template.spec"},
		{&appsv1.Deployment{}, "spec.template.spec"},
		{&appsv1.StatefulSet{}, "spec.template.spec"},
		{&appsv1.ReplicaSet{}, "spec.template.spec"},
		{&appsv1.DaemonSet{}, "spec.template.spec"},
		{&batchv1.Job{}, "spec.template.spec"},
		{&batchv1.CronJob{}, "spec.jobTemplate.spec.template.spec"},
		{&corev1.ReplicationController{}, ""},
		{&corev1.ConfigMap{}, ""},
	} {
		spec, meta, path := Of(tt.obj)
		if tt.path == "" {
			if spec != nil || meta != nil || path != nil {
				t.Errorf("%T: got a spec at %v; want none", tt.obj, path)
			}
			continue
		}
		if spec == nil || meta == nil || path.String() != tt.path {
			t.Errorf("%T: spec %v, meta %v, path %v; want both at %s", tt.obj, spec != nil, meta != nil, path, tt.path)
		}
	}
	d := &appsv1.Deployment{}
	d.Spec.Template.Annotations = map[string]string{"a": "b"}
	if spec, meta, _ := Of(d); spec != &d.Spec.Template.Spec || meta.Annotations["a"] != "b" {
		t.Error("a Deployment's spec and metadata are not its template's")
	}
	// The paths are shared, made once: Of runs on every write of a pod.
	p := &corev1.Pod{}
	if n := testing.AllocsPerRun(20, func() { Of(p) }); n != 0 {
		t.Errorf("Of(pod) made %.0f allocations; want none", n)
	}
}
