package disruption

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DeletionTimeout is how long an eviction's disruptedPods entry holds its
// pod out of currentHealthy while the pod is not deleted, as upstream.
const DeletionTimeout = 2 * time.Minute

// expectation is what a budget needs: how many pods its controllers want
// and how many of them must stay healthy.
type expectation struct {
	expectedCount  int32
	desiredHealthy int32
}

// expect computes expectedPods and desiredHealthy. podCount is the number
// of pods the selector matches; scale returns the summed replicas of their
// controllers and is called only when the budget needs it.
func expect(spec policyv1.PodDisruptionBudgetSpec, podCount int, scale func() (int32, error)) (expectation, error) {
	switch {
	case spec.MaxUnavailable != nil:
		expected, err := scale()
		if err != nil {
			return expectation{}, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return expectation{}, err
		}
		return expectation{expectedCount: expected, desiredHealthy: max(expected-int32(maxUnavailable), 0)}, nil
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		return expectation{expectedCount: int32(podCount), desiredHealthy: spec.MinAvailable.IntVal}, nil
	case spec.MinAvailable != nil:
		expected, err := scale()
		if err != nil {
			return expectation{}, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return expectation{}, err
		}
		return expectation{expectedCount: expected, desiredHealthy: int32(minAvailable)}, nil
	}
	return expectation{}, nil
}

// disruptionsAllowed is currentHealthy - desiredHealthy, zero when it is
// negative or no pod is expected.
func disruptionsAllowed(currentHealthy int32, e expectation) int32 {
	allowed := currentHealthy - e.desiredHealthy
	if e.expectedCount <= 0 || allowed <= 0 {
		return 0
	}
	return allowed
}

// keepDisrupted returns the disruptedPods entries that still hold their
// pod out of currentHealthy at now, the names of the pods whose entry
// expired without the pod being deleted, and when the next entry expires
// (zero when none is pending).
func keepDisrupted(recorded map[string]metav1.Time, pods []*corev1.Pod, now time.Time) (map[string]metav1.Time, []string, time.Time) {
	byName := make(map[string]*corev1.Pod, len(pods))
	for _, p := range pods {
		byName[p.Name] = p
	}
	kept := map[string]metav1.Time{}
	var expired []string
	var recheck time.Time
	for name, at := range recorded {
		p, ok := byName[name]
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		deadline := at.Add(DeletionTimeout)
		if deadline.Before(now) {
			expired = append(expired, name)
			continue
		}
		kept[name] = at
		if recheck.IsZero() || deadline.Before(recheck) {
			recheck = deadline
		}
	}
	return kept, expired, recheck
}

// countHealthy counts the ready pods that are neither being deleted nor
// held in disrupted.
func countHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time) int32 {
	var n int32
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if _, ok := disrupted[p.Name]; ok {
			continue
		}
		if podReady(p) {
			n++
		}
	}
	return n
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// computeStatus is the status pdb should show.
func computeStatus(pdb *policyv1.PodDisruptionBudget, currentHealthy int32, e expectation, disrupted map[string]metav1.Time, now time.Time) policyv1.PodDisruptionBudgetStatus {
	allowed := disruptionsAllowed(currentHealthy, e)
	st := policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation,
		DisruptedPods:      disrupted,
		DisruptionsAllowed: allowed,
		CurrentHealthy:     currentHealthy,
		DesiredHealthy:     e.desiredHealthy,
		ExpectedPods:       e.expectedCount,
	}
	if len(st.DisruptedPods) == 0 {
		st.DisruptedPods = nil
	}
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue,
		Reason: policyv1.SufficientPodsReason, ObservedGeneration: pdb.Generation}
	if allowed <= 0 {
		cond.Status, cond.Reason = metav1.ConditionFalse, policyv1.InsufficientPodsReason
	}
	st.Conditions = setCondition(pdb.Status.Conditions, cond, now)
	return st
}

// failedStatus is the fail-safe status after a sync error: no disruption
// allowed and the SyncFailed condition carrying the error.
func failedStatus(pdb *policyv1.PodDisruptionBudget, err error, now time.Time) policyv1.PodDisruptionBudgetStatus {
	st := *pdb.Status.DeepCopy()
	st.DisruptionsAllowed = 0
	st.Conditions = setCondition(st.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition,
		Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason, Message: err.Error(),
		ObservedGeneration: st.ObservedGeneration}, now)
	return st
}

// setCondition replaces the condition of c's type, keeping its transition
// time when the status did not change.
func setCondition(conds []metav1.Condition, c metav1.Condition, now time.Time) []metav1.Condition {
	out := make([]metav1.Condition, 0, len(conds)+1)
	c.LastTransitionTime = metav1.NewTime(now.Truncate(time.Second))
	for _, old := range conds {
		if old.Type != c.Type {
			out = append(out, old)
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
	}
	return append(out, c)
}

// errNoController is the error for a pod whose controller is not found.
func errNoController(pod *corev1.Pod) error {
	return fmt.Errorf("found no controllers for pod %q", pod.Name)
}
