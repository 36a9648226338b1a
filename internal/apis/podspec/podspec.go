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

// The spec paths Of returns: field paths never change once made, so each
// is made once and shared (Of is on the path of every write of a pod or a
// workload, several times).
var (
	podSpecPath         = field.NewPath("spec")
	podTemplateSpecPath = field.NewPath("template", "spec")
	templateSpecPath    = field.NewPath("spec", "template", "spec")
	cronJobSpecPath     = field.NewPath("spec", "jobTemplate", "spec", "template", "spec")
)

// Of returns the pod spec obj carries, the metadata of the pod or of the
// template that holds it, and the spec's field path (shared: build on it,
// as field paths are built). All are nil for a kind without a pod spec,
// and for a ReplicationController without a template.
func Of(obj runtime.Object) (*corev1.PodSpec, *metav1.ObjectMeta, *field.Path) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec, &o.ObjectMeta, podSpecPath
	case *corev1.PodTemplate:
		return &o.Template.Spec, &o.Template.ObjectMeta, podTemplateSpecPath
	case *corev1.ReplicationController:
		if t := o.Spec.Template; t != nil {
			return &t.Spec, &t.ObjectMeta, templateSpecPath
		}
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec, &o.Spec.Template.ObjectMeta, templateSpecPath
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.Spec, &o.Spec.Template.ObjectMeta, templateSpecPath
	case *appsv1.StatefulSet:
		return &o.Spec.Template.Spec, &o.Spec.Template.ObjectMeta, templateSpecPath
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec, &o.Spec.Template.ObjectMeta, templateSpecPath
	case *batchv1.Job:
		return &o.Spec.Template.Spec, &o.Spec.Template.ObjectMeta, templateSpecPath
	case *batchv1.CronJob:
		t := &o.Spec.JobTemplate.Spec.Template
		return &t.Spec, &t.ObjectMeta, cronJobSpecPath
	}
	return nil, nil, nil
}
