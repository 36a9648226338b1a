package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// replicasOf returns pointers to the desired replicas, the observed
// replicas and the selector of a scalable object.
func replicasOf(obj runtime.Object) (spec *int32, status int32, sel *metav1.LabelSelector, ok bool) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector, true
	case *appsv1.ReplicaSet:
		return o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector, true
	case *appsv1.StatefulSet:
		return o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector, true
	case *corev1.ReplicationController:
		var ls *metav1.LabelSelector
		if o.Spec.Selector != nil {
			ls = &metav1.LabelSelector{MatchLabels: o.Spec.Selector}
		}
		return o.Spec.Replicas, o.Status.Replicas, ls, true
	}
	return nil, 0, nil, false
}

func setReplicas(obj runtime.Object, n int32) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		o.Spec.Replicas = &n
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &n
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &n
	case *corev1.ReplicationController:
		o.Spec.Replicas = &n
	}
}

// scaleOf is the autoscaling/v1 Scale view of a scalable object.
func scaleOf(ep *endpoint, obj runtime.Object) (*autoscalingv1.Scale, error) {
	spec, status, sel, ok := replicasOf(obj)
	if !ok {
		return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), "scale")
	}
	m, _ := meta.Accessor(obj)
	sc := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp()},
		Status: autoscalingv1.ScaleStatus{Replicas: status},
	}
	if spec != nil {
		sc.Spec.Replicas = *spec
	}
	if sel != nil {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err == nil {
			sc.Status.Selector = s.String()
		}
	} else {
		sc.Status.Selector = labels.Everything().String()
	}
	sc.SetGroupVersionKind(scaleGVK)
	return sc, nil
}

func (s *Server) handleScaleUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo, body []byte, manager string, dryRun bool) error {
	sc := &autoscalingv1.Scale{}
	if err := s.decodeOptions(body, sc, scaleGVK); err != nil {
		return err
	}
	if sc.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, info.Name))
	}
	return s.writeScale(ctx, w, r, ep, info, manager, dryRun, func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error) { return sc, nil })
}

func (s *Server) handleScalePatch(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo, pt types.PatchType, body []byte, manager string, dryRun bool) error {
	if pt == types.ApplyYAMLPatchType {
		return unsupportedMediaType(string(pt), patchTypes[:3])
	}
	return s.writeScale(ctx, w, r, ep, info, manager, dryRun, func(cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
		orig, err := json.Marshal(cur)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		patched, err := patchJSON(orig, pt, body, &autoscalingv1.Scale{})
		if err != nil {
			return nil, err
		}
		out := &autoscalingv1.Scale{}
		if err := json.Unmarshal(patched, out); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	})
}

// writeScale updates spec.replicas of the scaled object from a Scale the
// request computes from the current Scale.
func (s *Server) writeScale(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo, manager string, dryRun bool, next func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error)) error {
	req := writeRequest{ep: ep, namespace: info.Namespace, name: info.Name, manager: manager, dryRun: dryRun,
		mutate: func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), info.Name)
			}
			cur, err := scaleOf(ep, current)
			if err != nil {
				return nil, err
			}
			sc, err := next(cur)
			if err != nil {
				return nil, err
			}
			if sc.ResourceVersion != "" && sc.ResourceVersion != cur.ResourceVersion {
				return nil, apierrors.NewConflict(ep.res.GVR.GroupResource(), info.Name,
					fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
			}
			if sc.Spec.Replicas < 0 {
				return nil, apierrors.NewInvalid(scaleGVK.GroupKind(), info.Name, fieldInvalid("spec.replicas", sc.Spec.Replicas, "must be greater than or equal to 0"))
			}
			out := current.DeepCopyObject()
			setReplicas(out, sc.Spec.Replicas)
			return out, nil
		}}
	out, _, err := s.update(ctx, req)
	if err != nil {
		return err
	}
	sc, err := scaleOf(ep, out)
	if err != nil {
		return err
	}
	s.writeObject(w, r, http.StatusOK, sc)
	return nil
}
