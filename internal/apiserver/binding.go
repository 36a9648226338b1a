package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// handleBinding assigns a pod to a node (pods/binding), as the scheduler
// does: nodeName is set once, and PodScheduled becomes True.
func (s *Server) handleBinding(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	dryRun, err := isDryRun(r)
	if err != nil {
		return err
	}
	b := &corev1.Binding{}
	if err := s.decodeOptions(body, b, corev1.SchemeGroupVersion.WithKind("Binding")); err != nil {
		return err
	}
	if b.Name != "" && b.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Name, info.Name))
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), info.Name,
			fieldInvalid("target.kind", b.Target.Kind, "must be empty or 'Node'"))
	}
	if b.Target.Name == "" {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), info.Name,
			fieldRequired("target.name", ""))
	}
	manager, err := managerName(r)
	if err != nil {
		return err
	}
	req := writeRequest{ep: ep, namespace: info.Namespace, name: info.Name, subresource: "binding", manager: manager, dryRun: dryRun,
		mutate: func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), info.Name)
			}
			pod := current.(*corev1.Pod).DeepCopy()
			if pod.DeletionTimestamp != nil {
				return nil, apierrors.NewConflict(ep.res.GVR.GroupResource(), info.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", info.Name))
			}
			if pod.Spec.NodeName != "" {
				return nil, apierrors.NewConflict(ep.res.GVR.GroupResource(), info.Name, fmt.Errorf("pod %v is already assigned to node %q", info.Name, pod.Spec.NodeName))
			}
			if len(pod.Spec.SchedulingGates) != 0 {
				// Upstream's error, a plain one: a 500.
				return nil, apierrors.NewInternalError(fmt.Errorf("pod %v has non-empty .spec.schedulingGates", info.Name))
			}
			pod.Spec.NodeName = b.Target.Name
			for k, v := range b.Annotations {
				if pod.Annotations == nil {
					pod.Annotations = map[string]string{}
				}
				pod.Annotations[k] = v
			}
			setPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue,
				LastTransitionTime: metav1.NewTime(s.now().Truncate(1e9))})
			return pod, nil
		}}
	if _, _, err := s.update(ctx, req); err != nil {
		return err
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	setGVK(st, metav1.SchemeGroupVersion.WithKind("Status"))
	s.writeObject(w, r, http.StatusCreated, st)
	return nil
}

// setPodCondition adds or replaces a condition, keeping the transition
// time when the status does not change.
func setPodCondition(status *corev1.PodStatus, c corev1.PodCondition) {
	for i := range status.Conditions {
		if status.Conditions[i].Type != c.Type {
			continue
		}
		if status.Conditions[i].Status == c.Status {
			c.LastTransitionTime = status.Conditions[i].LastTransitionTime
		}
		status.Conditions[i] = c
		return
	}
	status.Conditions = append(status.Conditions, c)
}
