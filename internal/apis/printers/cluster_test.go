package printers

import (
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestLeaseRow(t *testing.T) {
	checkRows(t, coordinationv1.SchemeGroupVersion.WithKind("Lease"), []rowCase{
		{"held", &coordinationv1.Lease{ObjectMeta: objMeta("node1"), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("node1")}}, []interface{}{"node1", "node1", "3h"}},
		{"free", &coordinationv1.Lease{ObjectMeta: objMeta("lock")}, []interface{}{"lock", "", "3h"}},
	})
}

// TestPodDisruptionBudgetRow follows upstream's TestPrintPodDisruptionBudget.
func TestPodDisruptionBudgetRow(t *testing.T) {
	minAvailable := intstr.FromInt32(22)
	maxUnavailable := intstr.FromString("50%")
	checkRows(t, policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"), []rowCase{
		{"min available", &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("pdb1"), Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable},
			Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 5}}, []interface{}{"pdb1", "22", "N/A", int64(5), "3h"}},
		{"max unavailable", &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("pdb2"), Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &maxUnavailable},
			Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 5}}, []interface{}{"pdb2", "N/A", "50%", int64(5), "3h"}},
	})
}

// TestRoleBindingRow follows upstream's TestPrintRoleBinding.
func TestRoleBindingRow(t *testing.T) {
	subjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "system:kube-controller-manager"},
		{Kind: rbacv1.UserKind, Name: "alice"},
		{Kind: rbacv1.GroupKind, Name: "system:masters"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "kube-system", Name: "default"},
		{Kind: "Other", Name: "ignored"},
	}
	want := func(name, ref string) []interface{} {
		return []interface{}{name, ref, "3h", "system:kube-controller-manager, alice", "system:masters", "kube-system/default"}
	}
	checkRows(t, rbacv1.SchemeGroupVersion.WithKind("RoleBinding"), []rowCase{
		{"role binding", &rbacv1.RoleBinding{ObjectMeta: objMeta("binding1"), Subjects: subjects, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "extension-apiserver-authentication-reader"}},
			want("binding1", "Role/extension-apiserver-authentication-reader")},
		{"no subjects", &rbacv1.RoleBinding{ObjectMeta: objMeta("b"), RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}}, []interface{}{"b", "ClusterRole/view", "3h", "", "", ""}},
	})
	checkRows(t, rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding"), []rowCase{
		{"cluster role binding", &rbacv1.ClusterRoleBinding{ObjectMeta: objMeta("binding2"), Subjects: subjects, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"}},
			want("binding2", "ClusterRole/cluster-admin")},
	})
	if d := For(rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding")).Columns[3].Description; d != "Users in the clusterRoleBinding" {
		t.Errorf("ClusterRoleBinding Users description = %q; want %q", d, "Users in the clusterRoleBinding")
	}
}

// TestPriorityClassRow follows upstream's TestPrintPriorityClass.
func TestPriorityClassRow(t *testing.T) {
	never := corev1.PreemptNever
	checkRows(t, schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"), []rowCase{
		{"default", &schedulingv1.PriorityClass{ObjectMeta: objMeta("pc1"), Value: 1, GlobalDefault: true}, []interface{}{"pc1", int64(1), true, "3h", ""}},
		{"never preempts", &schedulingv1.PriorityClass{ObjectMeta: objMeta("pc2"), Value: 1000000000, PreemptionPolicy: &never}, []interface{}{"pc2", int64(1000000000), false, "3h", "Never"}},
	})
}

// TestCertificateSigningRequestRow follows upstream's
// TestPrintCertificateSigningRequest.
func TestCertificateSigningRequestRow(t *testing.T) {
	csr := func(expiration *int32, cert []byte, conds ...certificatesv1.RequestConditionType) *certificatesv1.CertificateSigningRequest {
		c := &certificatesv1.CertificateSigningRequest{
			ObjectMeta: objMeta("csr1"),
			Spec:       certificatesv1.CertificateSigningRequestSpec{SignerName: "kubernetes.io/kube-apiserver-client", Username: "CSRRequestor", ExpirationSeconds: expiration},
			Status:     certificatesv1.CertificateSigningRequestStatus{Certificate: cert},
		}
		for _, t := range conds {
			c.Status.Conditions = append(c.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: t})
		}
		return c
	}
	row := func(duration, condition string) []interface{} {
		return []interface{}{"csr1", "3h", "kubernetes.io/kube-apiserver-client", "CSRRequestor", duration, condition}
	}
	checkRows(t, certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"), []rowCase{
		{"pending", csr(nil, nil), row("<none>", "Pending")},
		{"pending with duration", csr(ptr(int32(7200)), nil), row("120m", "Pending")},
		{"approved", csr(ptr(int32(86400)), nil, certificatesv1.CertificateApproved), row("24h", "Approved")},
		{"approved and issued", csr(nil, []byte("cert"), certificatesv1.CertificateApproved), row("<none>", "Approved,Issued")},
		{"approved and failed", csr(nil, nil, certificatesv1.CertificateApproved, certificatesv1.CertificateFailed), row("<none>", "Approved,Failed")},
		{"denied wins over approved", csr(nil, nil, certificatesv1.CertificateApproved, certificatesv1.CertificateDenied), row("<none>", "Denied")},
		{"no signer", &certificatesv1.CertificateSigningRequest{ObjectMeta: objMeta("csr2")}, []interface{}{"csr2", "3h", "<none>", "", "<none>", "Pending"}},
	})
}

// TestHorizontalPodAutoscalerRow follows upstream's
// TestPrintHorizontalPodAutoscaler.
func TestHorizontalPodAutoscalerRow(t *testing.T) {
	ref := autoscalingv2.CrossVersionObjectReference{Kind: "ReplicationController", Name: "some-rc"}
	hpa := func(metrics []autoscalingv2.MetricSpec, current ...autoscalingv2.MetricStatus) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: objMeta("some-hpa"),
			Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MinReplicas: ptr(int32(2)), MaxReplicas: 10, Metrics: metrics},
			Status:     autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 4, DesiredReplicas: 5, CurrentMetrics: current},
		}
	}
	row := func(targets string) []interface{} {
		return []interface{}{"some-hpa", "ReplicationController/some-rc", targets, "2", int64(10), int64(4), "3h"}
	}
	q := resource.MustParse
	qp := func(s string) *resource.Quantity { v := q(s); return &v }
	cpuUtil := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(80))}}}
	cpuNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(50))}}}
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "some-pods-metric"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("100m")}}}
	podsNow := autoscalingv2.MetricStatus{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
		Metric: autoscalingv2.MetricIdentifier{Name: "some-pods-metric"}, Current: autoscalingv2.MetricValueStatus{AverageValue: qp("50m")}}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("10")}}}
	object := autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "hits"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: qp("100")}}}
	objectNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{
		Metric: autoscalingv2.MetricIdentifier{Name: "hits"}, Current: autoscalingv2.MetricValueStatus{Value: qp("50")}}}
	memValue := autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
		Name: corev1.ResourceMemory, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("1Gi")}}}
	autoTarget := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU}}
	noMin := hpa(nil)
	noMin.Spec.MinReplicas = nil
	checkRows(t, autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), []rowCase{
		{"no metrics", hpa(nil), row("<none>")},
		{"cpu utilization unknown", hpa([]autoscalingv2.MetricSpec{cpuUtil}), row("cpu: <unknown>/80%")},
		{"cpu utilization", hpa([]autoscalingv2.MetricSpec{cpuUtil}, cpuNow), row("cpu: 50%/80%")},
		{"pods average value", hpa([]autoscalingv2.MetricSpec{pods}, podsNow), row("50m/100m")},
		{"external average value unknown", hpa([]autoscalingv2.MetricSpec{external}), row("<unknown>/10 (avg)")},
		{"object value", hpa([]autoscalingv2.MetricSpec{object}, objectNow), row("50/100")},
		{"container resource value unknown", hpa([]autoscalingv2.MetricSpec{memValue}), row("memory: <unknown>/1Gi")},
		{"utilization target unset", hpa([]autoscalingv2.MetricSpec{autoTarget}), row("cpu: <unknown>/<auto>")},
		{"unknown type", hpa([]autoscalingv2.MetricSpec{{Type: "Bogus"}}), row("<unknown type>")},
		{"more than two", hpa([]autoscalingv2.MetricSpec{cpuUtil, pods, object, external}, cpuNow, podsNow), row("cpu: 50%/80%, 50m/100m + 2 more...")},
		{"min unset", noMin, []interface{}{"some-hpa", "ReplicationController/some-rc", "<none>", "<unset>", int64(10), int64(4), "3h"}},
	})
	v1 := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: objMeta("some-hpa"),
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "ReplicationController", Name: "some-rc"},
			MinReplicas: ptr(int32(2)), MaxReplicas: 10, TargetCPUUtilizationPercentage: ptr(int32(80))},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 4, CurrentCPUUtilizationPercentage: ptr(int32(50))},
	}
	noTarget := v1.DeepCopy()
	noTarget.Spec.TargetCPUUtilizationPercentage = nil
	checkRows(t, autoscalingv1.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), []rowCase{
		{"v1 cpu target", v1, row("cpu: 50%/80%")},
		{"v1 without target", noTarget, row("<none>")},
	})
}

func TestAgeFormatting(t *testing.T) {
	tests := []struct {
		name string
		ts   metav1.Time
		want string
	}{
		{"zero", metav1.Time{}, "<unknown>"},
		{"seconds", ago(42 * time.Second), "42s"},
		{"minutes and seconds", ago(5*time.Minute + 7*time.Second), "5m7s"},
		{"minutes", ago(90 * time.Minute), "90m"},
		{"hours and minutes", ago(4*time.Hour + 30*time.Minute), "4h30m"},
		{"days and hours", ago(3*24*time.Hour + 5*time.Hour), "3d5h"},
		{"days", ago(30 * 24 * time.Hour), "30d"},
		{"years", ago(3 * 365 * 24 * time.Hour), "3y"},
		{"slightly in the future", metav1.NewTime(now.Add(time.Second)), "0s"},
		{"far in the future", metav1.NewTime(now.Add(time.Hour)), "<invalid>"},
	}
	for _, tc := range tests {
		if got := age(tc.ts, now); got != tc.want {
			t.Errorf("%s: age(%v) = %q; want %q", tc.name, tc.ts, got, tc.want)
		}
	}
}
