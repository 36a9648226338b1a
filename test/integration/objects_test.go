package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The functions below build one valid object of each served kind, named
// name (in namespace ns where the kind is namespaced).

func om(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns}
}

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}}
}

func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}}, Spec: podSpec()}
}

func newPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: om(ns, name), Spec: podSpec()}
}

func newNamespaceObj(_, name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: om("", name)}
}

func newNode(_, name string) *corev1.Node { return &corev1.Node{ObjectMeta: om("", name)} }

func newService(ns, name string) *corev1.Service {
	return &corev1.Service{ObjectMeta: om(ns, name), Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": name},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
	}}
}

func newEndpoints(ns, name string) *corev1.Endpoints {
	return &corev1.Endpoints{ObjectMeta: om(ns, name), Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.42.0.7"}},
		Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}},
	}}}
}

func newConfigMap(ns, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: om(ns, name), Data: map[string]string{"key": "value"}}
}

func newSecret(ns, name string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: om(ns, name), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("hunter2")}}
}

func newServiceAccount(ns, name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: om(ns, name)}
}

func newCoreEvent(ns, name string) *corev1.Event {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	return &corev1.Event{ObjectMeta: om(ns, name),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web", APIVersion: "v1"},
		Reason:         "Started", Message: "started container", Type: corev1.EventTypeNormal,
		Source: corev1.EventSource{Component: "kubelet"}, FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
}

func newPV(_, name string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{ObjectMeta: om("", name), Spec: corev1.PersistentVolumeSpec{
		Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
		AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
		PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + name}},
	}}
}

func newPVC(ns, name string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: om(ns, name), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
	}}
}

func newResourceQuota(ns, name string) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{ObjectMeta: om(ns, name), Spec: corev1.ResourceQuotaSpec{
		Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}}}
}

func newLimitRange(ns, name string) *corev1.LimitRange {
	return &corev1.LimitRange{ObjectMeta: om(ns, name), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer, Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}}}
}

func newRC(ns, name string) *corev1.ReplicationController {
	tmpl := podTemplate(name)
	return &corev1.ReplicationController{ObjectMeta: om(ns, name), Spec: corev1.ReplicationControllerSpec{
		Replicas: ptr.To[int32](1), Selector: map[string]string{"app": name}, Template: &tmpl}}
}

func newPodTemplate(ns, name string) *corev1.PodTemplate {
	return &corev1.PodTemplate{ObjectMeta: om(ns, name), Template: podTemplate(name)}
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

func newDeployment(ns, name string) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: om(ns, name), Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1), Selector: selector(name), Template: podTemplate(name)}}
}

func newReplicaSet(ns, name string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: om(ns, name), Spec: appsv1.ReplicaSetSpec{
		Replicas: ptr.To[int32](1), Selector: selector(name), Template: podTemplate(name)}}
}

func newStatefulSet(ns, name string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{ObjectMeta: om(ns, name), Spec: appsv1.StatefulSetSpec{
		Replicas: ptr.To[int32](1), ServiceName: name, Selector: selector(name), Template: podTemplate(name)}}
}

func newDaemonSet(ns, name string) *appsv1.DaemonSet {
	return &appsv1.DaemonSet{ObjectMeta: om(ns, name), Spec: appsv1.DaemonSetSpec{Selector: selector(name), Template: podTemplate(name)}}
}

func newControllerRevision(ns, name string) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: om(ns, name), Revision: 1,
		Data: runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"metadata":{"labels":{"app":"x"}}}}}`)}}
}

func newJob(ns, name string) *batchv1.Job {
	tmpl := podTemplate(name)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	return &batchv1.Job{ObjectMeta: om(ns, name), Spec: batchv1.JobSpec{Template: tmpl}}
}

func newCronJob(ns, name string) *batchv1.CronJob {
	tmpl := podTemplate(name)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	return &batchv1.CronJob{ObjectMeta: om(ns, name), Spec: batchv1.CronJobSpec{
		Schedule: "*/5 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}
}

func newHPAv2(ns, name string) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: om(ns, name), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
		MinReplicas:    ptr.To[int32](1), MaxReplicas: 3,
		Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}}},
	}}
}

func newHPAv1(ns, name string) *autoscalingv1.HorizontalPodAutoscaler {
	return &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: om(ns, name), Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
		MinReplicas:    ptr.To[int32](1), MaxReplicas: 3, TargetCPUUtilizationPercentage: ptr.To[int32](80),
	}}
}

func newLease(ns, name string) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: om(ns, name), Spec: coordinationv1.LeaseSpec{
		HolderIdentity: ptr.To("node-a"), LeaseDurationSeconds: ptr.To[int32](40)}}
}

func newEndpointSlice(ns, name string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: om(ns, name), AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.42.0.7"}}},
		Ports:     []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
}

func newEventsV1(ns, name string) *eventsv1.Event {
	return &eventsv1.Event{ObjectMeta: om(ns, name), EventTime: metav1.NewMicroTime(time.Now()),
		ReportingController: "example.com/controller", ReportingInstance: "controller-1",
		Action: "Scheduled", Reason: "Scheduled", Type: corev1.EventTypeNormal, Note: "scheduled",
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web", APIVersion: "v1"},
	}
}

func newIngress(ns, name string) *networkingv1.Ingress {
	return &networkingv1.Ingress{ObjectMeta: om(ns, name), Spec: networkingv1.IngressSpec{
		DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}
}

func newIngressClass(_, name string) *networkingv1.IngressClass {
	return &networkingv1.IngressClass{ObjectMeta: om("", name), Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"}}
}

func newNetworkPolicy(ns, name string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: om(ns, name), Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
}

func newPDB(ns, name string) *policyv1.PodDisruptionBudget {
	min := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{ObjectMeta: om(ns, name), Spec: policyv1.PodDisruptionBudgetSpec{
		MinAvailable: &min, Selector: selector(name)}}
}

func rules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}
}

func subjects() []rbacv1.Subject {
	return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}}
}

func newRole(ns, name string) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: om(ns, name), Rules: rules()}
}

func newRoleBinding(ns, name string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: om(ns, name), Subjects: subjects(),
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"}}
}

func newClusterRole(_, name string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: om("", name), Rules: rules()}
}

func newClusterRoleBinding(_, name string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: om("", name), Subjects: subjects(),
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "reader"}}
}

func newPriorityClass(_, name string) *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{ObjectMeta: om("", name), Value: 1000, Description: "test"}
}

func newStorageClass(_, name string) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: om("", name), Provisioner: "example.com/provisioner"}
}

func newCSR(_, name string) *certificatesv1.CertificateSigningRequest {
	return &certificatesv1.CertificateSigningRequest{ObjectMeta: om("", name), Spec: certificatesv1.CertificateSigningRequestSpec{
		Request:    csrPEM(name),
		SignerName: "example.com/signer",
		Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
	}}
}

// csrPEM returns a PEM PKCS#10 request for CN=cn.
func csrPEM(cn string) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}
