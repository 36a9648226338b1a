package apis

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apis/conversion"
)

// hpaV2Storage stores autoscaling/v1 HPAs as autoscaling/v2.
func hpaV2Storage(scheme *runtime.Scheme) *StorageVersion {
	gvk := autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler")
	return &StorageVersion{
		GVK:     gvk,
		New:     newFunc(scheme, gvk),
		NewList: newFunc(scheme, gvk.GroupVersion().WithKind(gvk.Kind+"List")),
		ToStorage: func(obj, prev runtime.Object) runtime.Object {
			p, _ := prev.(*autoscalingv2.HorizontalPodAutoscaler)
			return conversion.HPAToV2(obj.(*autoscalingv1.HorizontalPodAutoscaler), p)
		},
		FromStorage: func(obj runtime.Object) runtime.Object {
			return conversion.HPAToV1(obj.(*autoscalingv2.HorizontalPodAutoscaler))
		},
	}
}

// coreEventStorage stores events.k8s.io/v1 Events as core/v1 Events.
func coreEventStorage(scheme *runtime.Scheme) *StorageVersion {
	gvk := corev1.SchemeGroupVersion.WithKind("Event")
	return &StorageVersion{
		GVK:     gvk,
		New:     newFunc(scheme, gvk),
		NewList: newFunc(scheme, gvk.GroupVersion().WithKind(gvk.Kind+"List")),
		ToStorage: func(obj, _ runtime.Object) runtime.Object {
			return conversion.EventToCore(obj.(*eventsv1.Event))
		},
		FromStorage: func(obj runtime.Object) runtime.Object {
			return conversion.EventToEventsV1(obj.(*corev1.Event))
		},
	}
}
