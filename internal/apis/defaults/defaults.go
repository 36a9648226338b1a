package defaults

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Apply fills upstream's defaults into obj in place. Lists are defaulted
// item by item; unknown kinds are left alone.
func Apply(obj runtime.Object) {
	if applyCorePods(obj) || applyCore(obj) || applyWorkloads(obj) || applyOther(obj) {
		return
	}
	applyList(obj)
}

// applyCorePods defaults the core/v1 kinds that are or hold pods and
// reports whether obj was one.
func applyCorePods(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Pod:
		pod(o)
	case *corev1.PodTemplate:
		podTemplateSpec(&o.Template)
	case *corev1.ReplicationController:
		replicationController(o)
	default:
		return false
	}
	return true
}

// applyCore defaults the other core/v1 kinds and reports whether obj was
// one.
func applyCore(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Service:
		service(o)
	case *corev1.Namespace:
		namespace(o)
	case *corev1.Secret:
		secret(o)
	case *corev1.ServiceAccount:
		serviceAccount(o)
	case *corev1.PersistentVolume:
		persistentVolume(o)
	case *corev1.PersistentVolumeClaim:
		claimObject(o)
	case *corev1.Node:
		node(o)
	case *corev1.Endpoints:
		endpoints(o)
	case *corev1.LimitRange:
		limitRange(o)
	case *corev1.ResourceQuota:
		resourceQuota(o)
	default:
		return false
	}
	return true
}

// applyWorkloads defaults apps/v1, batch/v1 and autoscaling kinds.
func applyWorkloads(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		deployment(o)
	case *appsv1.ReplicaSet:
		replicaSet(o)
	case *appsv1.StatefulSet:
		statefulSet(o)
	case *appsv1.DaemonSet:
		daemonSet(o)
	case *batchv1.Job:
		job(o)
	case *batchv1.CronJob:
		cronJob(o)
	case *autoscalingv1.HorizontalPodAutoscaler:
		if o.Spec.MinReplicas == nil {
			o.Spec.MinReplicas = ptrTo(int32(1))
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		hpaV2(o)
	default:
		return false
	}
	return true
}

// applyOther defaults the remaining groups.
func applyOther(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *discoveryv1.EndpointSlice:
		endpointSlice(o)
	case *networkingv1.NetworkPolicy:
		networkPolicy(o)
	case *networkingv1.IngressClass:
		ingressClass(o)
	case *rbacv1.RoleBinding:
		roleRef(&o.RoleRef)
		subjects(o.Subjects)
	case *rbacv1.ClusterRoleBinding:
		roleRef(&o.RoleRef)
		subjects(o.Subjects)
	case *storagev1.StorageClass:
		storageClass(o)
	case *storagev1.CSIDriver:
		csiDriver(o)
	case *schedulingv1.PriorityClass:
		if o.PreemptionPolicy == nil {
			p := corev1.PreemptLowerPriority
			o.PreemptionPolicy = &p
		}
	default:
		return false
	}
	return true
}

// applyList defaults every item of a typed list.
func applyList(obj runtime.Object) {
	items := listItems(obj)
	for _, item := range items {
		Apply(item)
	}
}

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }
