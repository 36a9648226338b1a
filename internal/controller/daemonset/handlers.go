package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// matching returns the DaemonSets whose selector matches an orphan pod.
func (r *Reconciler) matching(obj metav1.Object) []controller.Request {
	return controller.SelectingOwners(r.setIdx, obj, func(s *appsv1.DaemonSet) *metav1.LabelSelector { return s.Spec.Selector })
}

// nodeHandler enqueues every DaemonSet when a node is added or deleted,
// or changes what decides placement (labels, taints, unschedulable,
// readiness); heartbeats alone are ignored.
func (r *Reconciler) nodeHandler(c *controller.Controller) cache.ResourceEventHandler {
	all := func() {
		sets, err := r.sets.List(labels.Everything())
		if err != nil {
			return
		}
		for _, s := range sets {
			c.Enqueue(controller.Request{Namespace: s.Namespace, Name: s.Name})
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { all() },
		UpdateFunc: func(oldObj, newObj any) {
			o, n := oldObj.(*corev1.Node), newObj.(*corev1.Node)
			if !maps.Equal(o.Labels, n.Labels) || !apiequality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints) ||
				o.Spec.Unschedulable != n.Spec.Unschedulable || nodeReady(o) != nodeReady(n) {
				all()
			}
		},
		DeleteFunc: func(any) { all() },
	}
}

func nodeReady(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

// claimPods returns ds's pods by target node after adopting the orphans
// its selector matches and releasing the owned pods it no longer matches.
func (r *Reconciler) claimPods(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector) (map[string][]*corev1.Pod, error) {
	all, err := r.claimable.For(ds.Namespace, ds.UID)
	if err != nil {
		return nil, err
	}
	out := map[string][]*corev1.Pod{}
	var errs []error
	for _, p := range all {
		matches := sel.Matches(labels.Set(p.Labels))
		ref := metav1.GetControllerOfNoCopy(p)
		switch {
		case ref != nil && ref.UID != ds.UID:
		case ref != nil && matches:
			out[targetNode(p)] = append(out[targetNode(p)], p)
		case ref != nil:
			if p.DeletionTimestamp == nil {
				refs := slices.DeleteFunc(slices.Clone(p.OwnerReferences), func(o metav1.OwnerReference) bool { return o.UID == ds.UID })
				errs = append(errs, r.patchOwners(ctx, p, refs))
			}
		case matches && p.DeletionTimestamp == nil && !isFinished(p):
			refs := append(slices.Clone(p.OwnerReferences), *metav1.NewControllerRef(ds, kind))
			err := r.patchOwners(ctx, p, refs)
			if err == nil {
				out[targetNode(p)] = append(out[targetNode(p)], p)
			}
			errs = append(errs, err)
		}
	}
	delete(out, "")
	return out, errors.Join(errs...)
}

func isFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func (r *Reconciler) patchOwners(ctx context.Context, p *corev1.Pod, refs []metav1.OwnerReference) error {
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs, "resourceVersion": p.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
