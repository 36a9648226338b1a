package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    func() runtime.Object
		mutate func(runtime.Object)
		want   *wantErr
	}{
		{"pod image change", func() runtime.Object { return pod() },
			func(o runtime.Object) { o.(*corev1.Pod).Spec.Containers[0].Image = "nginx:1.26" }, nil},
		{"pod restartPolicy change", func() runtime.Object { return pod() },
			func(o runtime.Object) { o.(*corev1.Pod).Spec.RestartPolicy = corev1.RestartPolicyNever },
			&wantErr{field.ErrorTypeForbidden, "spec"}},
		{"pod gate removed", func() runtime.Object { return gated(pod(), "a", "b") },
			func(o runtime.Object) { o.(*corev1.Pod).Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "b"}} }, nil},
		{"pod gate added", func() runtime.Object { return gated(pod(), "a") },
			func(o runtime.Object) { gated(o.(*corev1.Pod), "b") },
			&wantErr{field.ErrorTypeForbidden, "spec.schedulingGates[1].name"}},
		{"ungated pod gains a gate", func() runtime.Object { return pod() },
			func(o runtime.Object) { gated(o.(*corev1.Pod), "b") },
			&wantErr{field.ErrorTypeForbidden, "spec.schedulingGates[0].name"}},
		{"gated pod's nodeSelector gains a key", func() runtime.Object {
			p := gated(pod(), "a")
			p.Spec.NodeSelector = map[string]string{"zone": "a"}
			return p
		}, func(o runtime.Object) { o.(*corev1.Pod).Spec.NodeSelector["disk"] = "ssd" }, nil},
		{"gated pod's nodeSelector changes a key", func() runtime.Object {
			p := gated(pod(), "a")
			p.Spec.NodeSelector = map[string]string{"zone": "a"}
			return p
		}, func(o runtime.Object) { o.(*corev1.Pod).Spec.NodeSelector["zone"] = "b" },
			&wantErr{field.ErrorTypeInvalid, "spec.nodeSelector"}},
		{"ungated pod's nodeSelector gains a key", func() runtime.Object { return pod() },
			func(o runtime.Object) { o.(*corev1.Pod).Spec.NodeSelector = map[string]string{"disk": "ssd"} },
			&wantErr{field.ErrorTypeForbidden, "spec"}},
		{"pod rename", func() runtime.Object { return pod() },
			func(o runtime.Object) { o.(*corev1.Pod).Name = "other" },
			&wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"deployment scale", func() runtime.Object { return deployment() },
			func(o runtime.Object) { o.(*appsv1.Deployment).Spec.Replicas = ptr(int32(5)) }, nil},
		{"deployment selector change", func() runtime.Object { return deployment() },
			func(o runtime.Object) {
				d := o.(*appsv1.Deployment)
				d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "x"}}
				d.Spec.Template.Labels = d.Spec.Selector.MatchLabels
			}, &wantErr{field.ErrorTypeInvalid, "spec.selector"}},
		{"statefulset serviceName change", func() runtime.Object {
			return &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template()}}
		}, func(o runtime.Object) { o.(*appsv1.StatefulSet).Spec.ServiceName = "other" },
			&wantErr{field.ErrorTypeForbidden, "spec"}},
		{"service clusterIP change", func() runtime.Object {
			s := service()
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.0.10", []string{"10.43.0.10"}
			return s
		}, func(o runtime.Object) {
			s := o.(*corev1.Service)
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.0.11", []string{"10.43.0.11"}
		},
			&wantErr{field.ErrorTypeInvalid, "spec.clusterIPs[0]"}},
		{"immutable configmap data", func() runtime.Object {
			return &corev1.ConfigMap{ObjectMeta: objMeta("c"), Immutable: ptr(true), Data: map[string]string{"a": "1"}}
		}, func(o runtime.Object) { o.(*corev1.ConfigMap).Data["a"] = "2" },
			&wantErr{field.ErrorTypeForbidden, "data"}},
		{"secret type change", func() runtime.Object {
			return &corev1.Secret{ObjectMeta: objMeta("s")}
		}, func(o runtime.Object) {
			s := o.(*corev1.Secret)
			s.Type, s.Data = corev1.SecretTypeBasicAuth, map[string][]byte{"username": []byte("u")}
		}, &wantErr{field.ErrorTypeInvalid, "type"}},
		{"job template change", func() runtime.Object { return job() },
			func(o runtime.Object) { o.(*batchv1.Job).Spec.Template.Spec.Containers[0].Image = "x:2" },
			&wantErr{field.ErrorTypeInvalid, "spec.template"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := tt.old()
			defaults.Apply(old)
			obj := old.DeepCopyObject()
			tt.mutate(obj)
			defaults.Apply(obj)
			check(t, ValidateUpdate(obj, old), tt.want)
		})
	}
}

func TestValidateStatusUpdate(t *testing.T) {
	old := deployment()
	defaults.Apply(old)
	obj := old.DeepCopy()
	obj.Status.Replicas = -1
	check(t, ValidateStatusUpdate(obj, old), &wantErr{field.ErrorTypeInvalid, "status.replicas"})
	obj.Status.Replicas = 1
	check(t, ValidateStatusUpdate(obj, old), nil)
}

func TestUnknownKindAndTypeMismatch(t *testing.T) {
	unknown := &metav1.Status{}
	if errs := ValidateCreate(unknown); len(errs) != 0 {
		t.Errorf("ValidateCreate(Status) = %v; want none", errs)
	}
	if errs := ValidateUpdate(pod(), service()); len(errs) == 0 {
		t.Errorf("ValidateUpdate(pod, service) = none; want an internal error")
	}
}
