package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// policyMatch is what the pod failure policy decides about one failed
// pod, as upstream's matchPodFailurePolicy.
type policyMatch struct {
	// action is the matching rule's action; nil when no rule matched.
	action *batchv1.PodFailurePolicyAction
	// count is whether the failure counts towards backoffLimit (false
	// only for Ignore).
	count bool
	// failJob is the Job failure message of a FailJob match, else "".
	failJob string
}

// matchFailurePolicy evaluates the rules of policy in order against a
// failed pod; the first matching rule decides. Without a policy, or when
// no rule matches, the failure counts.
func matchFailurePolicy(policy *batchv1.PodFailurePolicy, p *corev1.Pod) policyMatch {
	if policy == nil {
		return policyMatch{count: true}
	}
	for i, rule := range policy.Rules {
		var failJob string
		switch {
		case rule.OnExitCodes != nil:
			cs := matchExitCodes(p, rule.OnExitCodes)
			if cs == nil {
				continue
			}
			failJob = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %v matching %v rule at index %d",
				cs.Name, p.Namespace, p.Name, cs.State.Terminated.ExitCode, rule.Action, i)
		case rule.OnPodConditions != nil:
			cond := matchPodConditions(p, rule.OnPodConditions)
			if cond == nil {
				continue
			}
			failJob = fmt.Sprintf("Pod %s/%s has condition %v matching %v rule at index %d",
				p.Namespace, p.Name, cond.Type, rule.Action, i)
		default:
			continue
		}
		action := rule.Action
		switch action {
		case batchv1.PodFailurePolicyActionIgnore:
			return policyMatch{action: &action}
		case batchv1.PodFailurePolicyActionFailJob:
			return policyMatch{action: &action, count: true, failJob: failJob}
		default: // Count, FailIndex
			return policyMatch{action: &action, count: true}
		}
	}
	return policyMatch{count: true}
}

// matchExitCodes returns the first terminated container (init containers
// first) whose non-zero exit code the requirement matches.
func matchExitCodes(p *corev1.Pod, req *batchv1.PodFailurePolicyOnExitCodesRequirement) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for i := range list {
			cs := &list[i]
			if cs.State.Terminated == nil || cs.State.Terminated.ExitCode == 0 {
				continue
			}
			if req.ContainerName != nil && *req.ContainerName != cs.Name {
				continue
			}
			in := slices.Contains(req.Values, cs.State.Terminated.ExitCode)
			if (req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) == in {
				return cs
			}
		}
	}
	return nil
}

// matchPodConditions returns the first pod condition a pattern matches.
func matchPodConditions(p *corev1.Pod, patterns []batchv1.PodFailurePolicyOnPodConditionsPattern) *corev1.PodCondition {
	for _, pat := range patterns {
		for i := range p.Status.Conditions {
			c := &p.Status.Conditions[i]
			status := pat.Status
			if status == "" {
				status = corev1.ConditionTrue
			}
			if c.Type == pat.Type && c.Status == status {
				return c
			}
		}
	}
	return nil
}
