package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/storage"
)

var pdbGVR = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}

// handleEviction is pods/eviction: it deletes the pod unless that would
// break its PodDisruptionBudget, in which case it answers 429 as upstream.
func (s *Server) handleEviction(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	ev := &policyv1.Eviction{}
	if err := s.decodeOptions(body, ev, policyv1.SchemeGroupVersion.WithKind("Eviction")); err != nil {
		return err
	}
	if ev.Name != "" && ev.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("name in URL does not match name in Eviction object"))
	}
	obj, err := ep.store.Get(ctx, info.Namespace, info.Name, "")
	if err != nil {
		return err
	}
	pod := obj.(*corev1.Pod)
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if needsBudgetCheck(pod) {
		if err := s.takeDisruption(ctx, pod, len(opts.DryRun) > 0); err != nil {
			return err
		}
	}
	if _, _, err := s.deleteObject(ctx, ep, info.Namespace, info.Name, opts); err != nil {
		return err
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	setGVK(st, metav1.SchemeGroupVersion.WithKind("Status"))
	s.writeObject(w, r, http.StatusCreated, st)
	return nil
}

// needsBudgetCheck: pods that are terminal, terminating or not yet running
// may go without consulting a budget, as upstream.
func needsBudgetCheck(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil {
		return false
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return false
	}
	return true
}

// takeDisruption consumes one allowed disruption of the pod's budget.
func (s *Server) takeDisruption(ctx context.Context, pod *corev1.Pod, dryRun bool) error {
	pdbEP := s.endpoints[pdbGVR]
	if pdbEP == nil {
		return nil
	}
	res, err := pdbEP.store.List(ctx, pod.Namespace, storage.ListOptions{Label: labels.Everything()})
	if err != nil {
		return err
	}
	var matching []*policyv1.PodDisruptionBudget
	for _, item := range res.Objects() {
		pdb := item.(*policyv1.PodDisruptionBudget)
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		matching = append(matching, pdb)
	}
	switch {
	case len(matching) == 0:
		return nil
	case len(matching) > 1:
		return apierrors.NewTooManyRequestsError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
	}
	pdb := matching[0]
	if unhealthyMayGo(pod, pdb) {
		return nil
	}
	if dryRun {
		return checkBudget(pdb)
	}
	_, err = pdbEP.store.Update(ctx, pdb.Namespace, pdb.Name, func(cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, nil
		}
		p := cur.DeepCopyObject().(*policyv1.PodDisruptionBudget)
		if err := checkBudget(p); err != nil {
			return nil, err
		}
		p.Status.DisruptionsAllowed--
		if p.Status.DisruptionsAllowed == 0 {
			setInsufficient(p, s.now())
		}
		if p.Status.DisruptedPods == nil {
			p.Status.DisruptedPods = map[string]metav1.Time{}
		}
		p.Status.DisruptedPods[pod.Name] = metav1.NewTime(s.now().Truncate(1e9))
		return p, nil
	})
	return err
}

// unhealthyMayGo reports that a pod that is not ready may be evicted
// without consuming a disruption, as upstream: always under the
// AlwaysAllow policy, under IfHealthyBudget (the default) while the budget
// has its desired healthy pods.
func unhealthyMayGo(pod *corev1.Pod, pdb *policyv1.PodDisruptionBudget) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return false
		}
	}
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

// setInsufficient sets the DisruptionAllowed condition to False once the
// eviction took the last allowed disruption, as upstream.
func setInsufficient(pdb *policyv1.PodDisruptionBudget, now time.Time) {
	for i := range pdb.Status.Conditions {
		c := &pdb.Status.Conditions[i]
		if c.Type == policyv1.DisruptionAllowedCondition && c.Status != metav1.ConditionFalse {
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, policyv1.InsufficientPodsReason, ""
			c.LastTransitionTime = metav1.NewTime(now.Truncate(time.Second))
		}
	}
}

func checkBudget(pdb *policyv1.PodDisruptionBudget) error {
	if pdb.Status.ObservedGeneration < pdb.Generation {
		return tooManyRequests(pdb, "Cannot evict pod as it would violate the pod's disruption budget.", "The disruption budget %s is still being processed by the server.")
	}
	if pdb.Status.DisruptionsAllowed <= 0 {
		return tooManyRequests(pdb, "Cannot evict pod as it would violate the pod's disruption budget.",
			"The disruption budget %s needs %d healthy pods and has %d currently")
	}
	return nil
}

func tooManyRequests(pdb *policyv1.PodDisruptionBudget, msg, causeFmt string) error {
	cause := fmt.Sprintf(causeFmt, pdb.Name)
	if pdb.Status.DisruptionsAllowed <= 0 && pdb.Status.ObservedGeneration >= pdb.Generation {
		cause = fmt.Sprintf(causeFmt, pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)
	}
	// Upstream asks for no Retry-After: client-go would otherwise wait and
	// retry inside the eviction call, and kubectl drain retries by itself.
	err := apierrors.NewTooManyRequests(msg, 0)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: cause})
	return err
}
