// Package podspec owns finding the pod spec an object carries: a Pod's
// own, or the pod template of a PodTemplate or a workload
// (ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet,
// Job, CronJob), with the metadata beside it and its field path, for the
// checks that apply to every pod spec wherever it is written.
package podspec

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Of returns the pod spec obj carries, the metadata of the pod or of the
// template that holds it, and the spec's field path. All are nil for a kind
// without a pod spec, and for a ReplicationController without a template.
func Of(obj runtime.Object) (*corev1.PodSpec, *metav1.ObjectMeta, *field.Path) {
	template := field.NewPath("spec", "template")
	tmpl := func(t *corev1.PodTemplateSpec, p *field.Path) (*corev1.PodSpec, *metav1.ObjectMeta, *field.Path) {
		return &t.Spec, &t.ObjectMeta, p.Child("spec")
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec, &o.ObjectMeta, field.NewPath("spec")
	case *corev1.PodTemplate:
		return tmpl(&o.Template, field.NewPath("template"))
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			return tmpl(o.Spec.Template, template)
		}
	case *appsv1.Deployment:
		return tmpl(&o.Spec.Template, template)
	case *appsv1.ReplicaSet:
		return tmpl(&o.Spec.Template, template)
	case *appsv1.StatefulSet:
		return tmpl(&o.Spec.Template, template)
	case *appsv1.DaemonSet:
		return tmpl(&o.Spec.Template, template)
	case *batchv1.Job:
		return tmpl(&o.Spec.Template, template)
	case *batchv1.CronJob:
		return tmpl(&o.Spec.JobTemplate.Spec.Template, field.NewPath("spec", "jobTemplate", "spec", "template"))
	}
	return nil, nil, nil
}
