package defaultpreemption

import (
	"context"
	"encoding/json"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// prepareCandidate preempts c's victims for pod and drops the
// nominations of lower-priority pods on c's node (they may no longer fit
// there; clearing moves them to look elsewhere sooner).
func (pl *DefaultPreemption) prepareCandidate(ctx context.Context, c *candidate, pod *v1.Pod) *framework.Status {
	for _, victim := range c.victims {
		if victim.DeletionTimestamp != nil {
			continue // graceful deletion already under way
		}
		if err := pl.preemptPod(ctx, c.node, pod, victim); err != nil {
			return framework.AsStatus(err)
		}
	}
	prio := framework.PodPriority(pod)
	var lower []*v1.Pod
	for _, pi := range pl.h.NominatedPodsForNode(c.node) {
		if framework.PodPriority(pi.Pod) < prio {
			lower = append(lower, pi.Pod)
		}
	}
	// Not critical: a failure here only delays those pods.
	_ = pl.clearNominations(ctx, lower...)
	return nil
}

// preemptPod marks victim with the DisruptionTarget condition, deletes it
// gracefully and records upstream's Preempted event on it.
func (pl *DefaultPreemption) preemptPod(ctx context.Context, node string, preemptor, victim *v1.Pod) error {
	cs := pl.h.ClientSet()
	cond := v1.PodCondition{
		Type:               v1.DisruptionTarget,
		Status:             v1.ConditionTrue,
		Reason:             v1.PodReasonPreemptionByScheduler,
		Message:            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", preemptor.Spec.SchedulerName),
		LastTransitionTime: metav1.Now(),
	}
	if !hasCondition(victim, cond) {
		patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []v1.PodCondition{cond}}})
		if err != nil {
			return err
		}
		_, err = cs.CoreV1().Pods(victim.Namespace).Patch(ctx, victim.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("add DisruptionTarget condition to %s/%s: %w", victim.Namespace, victim.Name, err)
		}
	}
	err := cs.CoreV1().Pods(victim.Namespace).Delete(ctx, victim.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &victim.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already (or replaced by another pod of that name)
	}
	if err != nil {
		return fmt.Errorf("preempt %s/%s: %w", victim.Namespace, victim.Name, err)
	}
	if r := pl.h.EventRecorder(); r != nil {
		r.Eventf(victim, v1.EventTypeNormal, "Preempted", "Preempted by pod %v on node %v", preemptor.UID, node)
	}
	return nil
}

func hasCondition(p *v1.Pod, want v1.PodCondition) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == want.Type {
			return c.Status == want.Status && c.Reason == want.Reason && c.Message == want.Message
		}
	}
	return false
}

// clearNominations sets status.nominatedNodeName of pods to empty.
func (pl *DefaultPreemption) clearNominations(ctx context.Context, pods ...*v1.Pod) error {
	var first error
	for _, p := range pods {
		if p.Status.NominatedNodeName == "" {
			continue
		}
		_, err := pl.h.ClientSet().CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
			[]byte(`{"status":{"nominatedNodeName":null}}`), metav1.PatchOptions{}, "status")
		if err != nil && !apierrors.IsNotFound(err) && first == nil {
			first = fmt.Errorf("clear nominatedNodeName of %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	return first
}
