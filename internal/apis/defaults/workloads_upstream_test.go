package defaults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStatefulSetRollingUpdateBlock(t *testing.T) {
	explicit := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: podTemplate("nginx"),
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}}}
	defaulted := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: podTemplate("nginx")}}
	given := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: podTemplate("nginx"),
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{}}}}
	Apply(explicit)
	Apply(defaulted)
	Apply(given)
	runChecks(t, []check{
		{"explicit type keeps no block", explicit.Spec.UpdateStrategy.RollingUpdate == nil, true},
		{"defaulted type gets partition 0", *defaulted.Spec.UpdateStrategy.RollingUpdate.Partition, int32(0)},
		{"given block gets partition 0", *given.Spec.UpdateStrategy.RollingUpdate.Partition, int32(0)},
		{"maxUnavailable unset", given.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable == nil, true},
	})
}

func TestStatefulSetClaimTemplates(t *testing.T) {
	ss := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: podTemplate("nginx"),
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{Spec: corev1.PersistentVolumeClaimSpec{
			DataSource: &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "c"},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("1500u")}},
		}}}}}
	Apply(ss)
	tmpl := ss.Spec.VolumeClaimTemplates[0].Spec
	q := tmpl.Resources.Requests[corev1.ResourceStorage]
	runChecks(t, []check{
		{"template request rounded", q.String(), "2m"},
		{"template dataSourceRef not filled (strategy only)", tmpl.DataSourceRef == nil, true},
	})
}

func TestJobUpstreamDefaults(t *testing.T) {
	withTemplateLabels := &batchv1.Job{Spec: batchv1.JobSpec{Template: podTemplate("busybox")}}
	withLabels := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"own": "1"}},
		Spec: batchv1.JobSpec{Template: podTemplate("busybox")}}
	bare := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{}}}
	Apply(withTemplateLabels)
	Apply(withLabels)
	Apply(bare)
	runChecks(t, []check{
		{"labels from template", withTemplateLabels.Labels["app"], "x"},
		{"own labels kept", len(withLabels.Labels), 1},
		{"no template labels, no labels", bare.Labels == nil, true},
		{"manualSelector", *bare.Spec.ManualSelector, false},
	})
	withTemplateLabels.Spec.Template.Labels["later"] = "y"
	if _, shared := withTemplateLabels.Labels["later"]; shared {
		t.Errorf("job labels share the template's map")
	}
}

func TestCronJobTemplateNestedDefaults(t *testing.T) {
	cj := &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "* * * * *", JobTemplate: batchv1.JobTemplateSpec{
		Spec: batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			Action:          batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
		}}}},
	}}}
	Apply(cj)
	spec := cj.Spec.JobTemplate.Spec
	runChecks(t, []check{
		{"pattern status", spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status, corev1.ConditionTrue},
		{"template completions stay unset", spec.Completions == nil, true},
		{"template manualSelector stays unset", spec.ManualSelector == nil, true},
		{"template podReplacementPolicy stays unset", spec.PodReplacementPolicy == nil, true},
	})
}

func TestHPABehaviorRules(t *testing.T) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp:   &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{}},
			ScaleDown: &autoscalingv2.HPAScalingRules{},
		},
	}}
	Apply(hpa)
	up, down := hpa.Spec.Behavior.ScaleUp, hpa.Spec.Behavior.ScaleDown
	runChecks(t, []check{
		{"explicit empty policies kept", up.Policies != nil && len(up.Policies) == 0, true},
		{"scale-up window", *up.StabilizationWindowSeconds, int32(0)},
		{"scale-down window unset", down.StabilizationWindowSeconds == nil, true},
		{"scale-down policies", len(down.Policies), 1},
		{"scale-down select", *down.SelectPolicy, autoscalingv2.MaxChangePolicySelect},
	})
}

func TestEndpointSliceDropsDeprecatedTopology(t *testing.T) {
	es := &discoveryv1.EndpointSlice{Endpoints: []discoveryv1.Endpoint{{
		Addresses: []string{"10.0.0.1"}, DeprecatedTopology: map[string]string{"kubernetes.io/hostname": "n1"},
	}}}
	Apply(es)
	if es.Endpoints[0].DeprecatedTopology != nil {
		t.Errorf("deprecatedTopology = %v; want nil", es.Endpoints[0].DeprecatedTopology)
	}
}
