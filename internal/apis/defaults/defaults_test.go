package defaults

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func podTemplate(images ...string) corev1.PodTemplateSpec {
	t := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}}}
	for _, img := range images {
		t.Spec.Containers = append(t.Spec.Containers, corev1.Container{Name: "c", Image: img})
	}
	return t
}

func TestPullPolicyFor(t *testing.T) {
	tests := []struct {
		name, image string
		want        corev1.PullPolicy
	}{
		{"untagged", "nginx", corev1.PullAlways},
		{"latest", "nginx:latest", corev1.PullAlways},
		{"tagged", "nginx:1.25", corev1.PullIfNotPresent},
		{"registry port untagged", "localhost:5000/nginx", corev1.PullAlways},
		{"registry port tagged", "localhost:5000/nginx:1.2", corev1.PullIfNotPresent},
		{"digest", "nginx@sha256:abcd", corev1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pullPolicyFor(tt.image); got != tt.want {
				t.Errorf("pullPolicyFor(%q) = %q; want %q", tt.image, got, tt.want)
			}
		})
	}
}

func TestDeployment(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: podTemplate("nginx", "nginx:1.25")}}
	Apply(d)
	checks := []struct {
		name      string
		got, want any
	}{
		{"replicas", *d.Spec.Replicas, int32(1)},
		{"strategy", d.Spec.Strategy.Type, appsv1.RollingUpdateDeploymentStrategyType},
		{"maxSurge", d.Spec.Strategy.RollingUpdate.MaxSurge.String(), "25%"},
		{"maxUnavailable", d.Spec.Strategy.RollingUpdate.MaxUnavailable.String(), "25%"},
		{"revisionHistoryLimit", *d.Spec.RevisionHistoryLimit, int32(10)},
		{"progressDeadlineSeconds", *d.Spec.ProgressDeadlineSeconds, int32(600)},
		{"pull nginx", d.Spec.Template.Spec.Containers[0].ImagePullPolicy, corev1.PullAlways},
		{"pull nginx:1.25", d.Spec.Template.Spec.Containers[1].ImagePullPolicy, corev1.PullIfNotPresent},
		{"restartPolicy", d.Spec.Template.Spec.RestartPolicy, corev1.RestartPolicyAlways},
		{"dnsPolicy", d.Spec.Template.Spec.DNSPolicy, corev1.DNSClusterFirst},
		{"grace", *d.Spec.Template.Spec.TerminationGracePeriodSeconds, int64(30)},
		{"scheduler", d.Spec.Template.Spec.SchedulerName, "default-scheduler"},
		{"securityContext", d.Spec.Template.Spec.SecurityContext != nil, true},
		{"terminationMessagePath", d.Spec.Template.Spec.Containers[0].TerminationMessagePath, "/dev/termination-log"},
		{"terminationMessagePolicy", d.Spec.Template.Spec.Containers[0].TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"template enableServiceLinks stays nil", d.Spec.Template.Spec.EnableServiceLinks == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestPod(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "c", Image: "busybox:1",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("500m"),
			}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)},
			}},
			Env: []corev1.EnvVar{{Name: "N", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
			}}},
		}},
		Volumes: []corev1.Volume{
			{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{}}},
			{Name: "none"},
		},
	}}
	Apply(p)
	c := p.Spec.Containers[0]
	req := c.Resources.Requests[corev1.ResourceCPU]
	checks := []struct {
		name      string
		got, want any
	}{
		{"enableServiceLinks", *p.Spec.EnableServiceLinks, true},
		{"port protocol", c.Ports[0].Protocol, corev1.ProtocolTCP},
		{"requests from limits", req.String(), "500m"},
		{"probe timeout", c.LivenessProbe.TimeoutSeconds, int32(1)},
		{"probe period", c.LivenessProbe.PeriodSeconds, int32(10)},
		{"probe success", c.LivenessProbe.SuccessThreshold, int32(1)},
		{"probe failure", c.LivenessProbe.FailureThreshold, int32(3)},
		{"httpGet scheme", c.LivenessProbe.HTTPGet.Scheme, corev1.URISchemeHTTP},
		{"httpGet path", c.LivenessProbe.HTTPGet.Path, "/"},
		{"fieldRef apiVersion", c.Env[0].ValueFrom.FieldRef.APIVersion, "v1"},
		{"configMap mode", *p.Spec.Volumes[0].ConfigMap.DefaultMode, int32(420)},
		{"secret mode", *p.Spec.Volumes[1].Secret.DefaultMode, int32(420)},
		{"empty volume becomes emptyDir", p.Spec.Volumes[2].EmptyDir != nil, true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v; want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestService(t *testing.T) {
	tests := []struct {
		name         string
		spec         corev1.ServiceSpec
		wantExternal corev1.ServiceExternalTrafficPolicy
		wantPolicy   corev1.IPFamilyPolicy
	}{
		{"cluster ip", corev1.ServiceSpec{Selector: map[string]string{"a": "b"}}, "", corev1.IPFamilyPolicySingleStack},
		{"node port", corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}, corev1.ServiceExternalTrafficPolicyCluster, corev1.IPFamilyPolicySingleStack},
		{"cluster ip with external ips", corev1.ServiceSpec{Selector: map[string]string{"a": "b"}, ExternalIPs: []string{"192.0.2.1"}},
			corev1.ServiceExternalTrafficPolicyCluster, corev1.IPFamilyPolicySingleStack},
		{"headless no selector", corev1.ServiceSpec{ClusterIP: "None"}, "", corev1.IPFamilyPolicyRequireDualStack},
		{"ipv6 cluster ip", corev1.ServiceSpec{ClusterIP: "fd00::10"}, "", corev1.IPFamilyPolicySingleStack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Ports = []corev1.ServicePort{{Port: 80}}
			s := &corev1.Service{Spec: tt.spec}
			Apply(s)
			if s.Spec.Type == "" || s.Spec.SessionAffinity != corev1.ServiceAffinityNone {
				t.Errorf("type, affinity = %q, %q; want defaults", s.Spec.Type, s.Spec.SessionAffinity)
			}
			p := s.Spec.Ports[0]
			if p.Protocol != corev1.ProtocolTCP || p.TargetPort != intstr.FromInt32(80) {
				t.Errorf("port = %v/%v; want TCP/80", p.Protocol, p.TargetPort.String())
			}
			if s.Spec.ExternalTrafficPolicy != tt.wantExternal {
				t.Errorf("externalTrafficPolicy = %q; want %q", s.Spec.ExternalTrafficPolicy, tt.wantExternal)
			}
			// ipFamilies follow the cluster's service CIDR: the allocator
			// fills them, not defaulting.
			if *s.Spec.IPFamilyPolicy != tt.wantPolicy || len(s.Spec.IPFamilies) != 0 {
				t.Errorf("ipFamilyPolicy, ipFamilies = %v, %v; want %v, none", *s.Spec.IPFamilyPolicy, s.Spec.IPFamilies, tt.wantPolicy)
			}
			if *s.Spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster {
				t.Errorf("internalTrafficPolicy = %v; want Cluster", *s.Spec.InternalTrafficPolicy)
			}
		})
	}
}

func TestWorkloads(t *testing.T) {
	ss := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
		Template:             podTemplate("nginx"),
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{}},
	}}
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: podTemplate("nginx")}}
	j := &batchv1.Job{Spec: batchv1.JobSpec{Template: podTemplate("busybox")}}
	cj := &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "* * * * *"}}
	Apply(ss)
	Apply(ds)
	Apply(j)
	Apply(cj)
	checks := []struct {
		name      string
		got, want any
	}{
		{"sts podManagementPolicy", ss.Spec.PodManagementPolicy, appsv1.OrderedReadyPodManagement},
		{"sts partition", *ss.Spec.UpdateStrategy.RollingUpdate.Partition, int32(0)},
		{"sts revisionHistoryLimit", *ss.Spec.RevisionHistoryLimit, int32(10)},
		{"sts whenDeleted", ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted, appsv1.RetainPersistentVolumeClaimRetentionPolicyType},
		{"sts claim volumeMode", *ss.Spec.VolumeClaimTemplates[0].Spec.VolumeMode, corev1.PersistentVolumeFilesystem},
		{"sts claim phase", ss.Spec.VolumeClaimTemplates[0].Status.Phase, corev1.ClaimPending},
		{"ds maxUnavailable", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.String(), "1"},
		{"ds maxSurge", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.String(), "0"},
		{"job completions", *j.Spec.Completions, int32(1)},
		{"job parallelism", *j.Spec.Parallelism, int32(1)},
		{"job backoffLimit", *j.Spec.BackoffLimit, int32(6)},
		{"job completionMode", *j.Spec.CompletionMode, batchv1.NonIndexedCompletion},
		{"job suspend", *j.Spec.Suspend, false},
		{"job podReplacementPolicy", *j.Spec.PodReplacementPolicy, batchv1.TerminatingOrFailed},
		{"job manualSelector", *j.Spec.ManualSelector, false},
		{"cronjob concurrency", cj.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent},
		{"cronjob success limit", *cj.Spec.SuccessfulJobsHistoryLimit, int32(3)},
		{"cronjob failed limit", *cj.Spec.FailedJobsHistoryLimit, int32(1)},
		{"cronjob template restartPolicy", cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy, corev1.RestartPolicyAlways},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestOtherKinds(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}
	sec := &corev1.Secret{StringData: map[string]string{"k": "v"}}
	pv := &corev1.PersistentVolume{}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{},
	}}
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{}},
	}}
	sc := &storagev1.StorageClass{}
	pc := &schedulingv1.PriorityClass{}
	rb := &rbacv1.RoleBinding{Subjects: []rbacv1.Subject{{Kind: "User", Name: "u"}}}
	list := &corev1.SecretList{Items: []corev1.Secret{{}}}
	for _, o := range []runtime.Object{ns, sec, pv, hpa, np, sc, pc, rb, list} {
		Apply(o)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"namespace label", ns.Labels[corev1.LabelMetadataName], "team"},
		{"namespace finalizers not defaulted", len(ns.Spec.Finalizers), 0},
		{"namespace phase", ns.Status.Phase, corev1.NamespaceActive},
		{"secret type", sec.Type, corev1.SecretTypeOpaque},
		{"secret stringData folded", string(sec.Data["k"]) + fmt.Sprint(len(sec.StringData)), "v0"},
		{"pv reclaim", pv.Spec.PersistentVolumeReclaimPolicy, corev1.PersistentVolumeReclaimRetain},
		{"pv volumeMode", *pv.Spec.VolumeMode, corev1.PersistentVolumeFilesystem},
		{"hpa minReplicas", *hpa.Spec.MinReplicas, int32(1)},
		{"hpa cpu target", *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization, int32(80)},
		{"hpa scaleDown window unset", hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds == nil, true},
		{"hpa scaleUp policies", len(hpa.Spec.Behavior.ScaleUp.Policies), 2},
		{"netpol types", len(np.Spec.PolicyTypes), 2},
		{"storageclass reclaim", *sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete},
		{"storageclass binding", *sc.VolumeBindingMode, storagev1.VolumeBindingImmediate},
		{"priorityclass preemption", *pc.PreemptionPolicy, corev1.PreemptLowerPriority},
		{"rbac roleRef group", rb.RoleRef.APIGroup, rbacv1.GroupName},
		{"rbac subject group", rb.Subjects[0].APIGroup, rbacv1.GroupName},
		{"list item", list.Items[0].Type, corev1.SecretTypeOpaque},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestApplyIdempotent(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: podTemplate("nginx")}}
	Apply(d)
	again := d.DeepCopy()
	Apply(again)
	if !equality.Semantic.DeepEqual(d, again) {
		t.Errorf("second Apply changed the object: got %+v; want %+v", again.Spec, d.Spec)
	}
}
