package job

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestMatchFailurePolicy(t *testing.T) {
	codes := func(action batchv1.PodFailurePolicyAction, op batchv1.PodFailurePolicyOnExitCodesOperator, container *string, v ...int32) batchv1.PodFailurePolicyRule {
		return batchv1.PodFailurePolicyRule{Action: action, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: op, Values: v, ContainerName: container}}
	}
	disrupted := exited(corev1.PodFailed, 137, t0)
	disrupted.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	onDisruption := batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionIgnore,
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}
	tests := []struct {
		name        string
		rules       []batchv1.PodFailurePolicyRule
		pod         *corev1.Pod
		wantAction  string
		wantCount   bool
		wantFailJob string
	}{
		{name: "no policy counts", pod: exited(corev1.PodFailed, 1, t0), wantCount: true},
		{name: "FailJob on code", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 42)},
			pod: exited(corev1.PodFailed, 42, t0), wantAction: "FailJob", wantCount: true,
			wantFailJob: "Container c for pod ns/p failed with exit code 42 matching FailJob rule at index 0"},
		{name: "NotIn matches others", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyOnExitCodesOpNotIn, nil, 1, 2)},
			pod: exited(corev1.PodFailed, 3, t0), wantAction: "Count", wantCount: true},
		{name: "Ignore does not count", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionIgnore, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 5)},
			pod: exited(corev1.PodFailed, 5, t0), wantAction: "Ignore"},
		{name: "first rule wins", rules: []batchv1.PodFailurePolicyRule{
			codes(batchv1.PodFailurePolicyActionIgnore, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 5),
			codes(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 5)},
			pod: exited(corev1.PodFailed, 5, t0), wantAction: "Ignore"},
		{name: "other container does not match", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, ptr.To("sidecar"), 42)},
			pod: exited(corev1.PodFailed, 42, t0), wantCount: true},
		{name: "pod condition", rules: []batchv1.PodFailurePolicyRule{onDisruption}, pod: disrupted, wantAction: "Ignore"},
		{name: "FailIndex counts", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 3)},
			pod: exited(corev1.PodFailed, 3, t0), wantAction: "FailIndex", wantCount: true},
		{name: "exit 0 never matches", rules: []batchv1.PodFailurePolicyRule{codes(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpNotIn, nil, 1)},
			pod: exited(corev1.PodFailed, 0, t0), wantCount: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var policy *batchv1.PodFailurePolicy
			if tt.rules != nil {
				policy = &batchv1.PodFailurePolicy{Rules: tt.rules}
			}
			m := matchFailurePolicy(policy, tt.pod)
			action := ""
			if m.action != nil {
				action = string(*m.action)
			}
			if action != tt.wantAction || m.count != tt.wantCount || m.failJob != tt.wantFailJob {
				t.Errorf("matchFailurePolicy = %q count %v %q; want %q count %v %q", action, m.count, m.failJob, tt.wantAction, tt.wantCount, tt.wantFailJob)
			}
		})
	}
}
