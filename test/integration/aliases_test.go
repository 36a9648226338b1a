package integration

import (
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
)

// Short names for the type arguments of the CRUD table.
type (
	corev1Namespace                 = corev1.Namespace
	corev1NamespaceList             = corev1.NamespaceList
	corev1Pod                       = corev1.Pod
	corev1PodList                   = corev1.PodList
	corev1Node                      = corev1.Node
	corev1NodeList                  = corev1.NodeList
	corev1Service                   = corev1.Service
	corev1ServiceList               = corev1.ServiceList
	corev1Endpoints                 = corev1.Endpoints
	corev1EndpointsList             = corev1.EndpointsList
	corev1ConfigMap                 = corev1.ConfigMap
	corev1ConfigMapList             = corev1.ConfigMapList
	corev1Secret                    = corev1.Secret
	corev1SecretList                = corev1.SecretList
	corev1ServiceAccount            = corev1.ServiceAccount
	corev1ServiceAccountList        = corev1.ServiceAccountList
	corev1Event                     = corev1.Event
	corev1EventList                 = corev1.EventList
	corev1PersistentVolume          = corev1.PersistentVolume
	corev1PersistentVolumeList      = corev1.PersistentVolumeList
	corev1PersistentVolumeClaim     = corev1.PersistentVolumeClaim
	corev1PersistentVolumeClaimList = corev1.PersistentVolumeClaimList
	corev1ResourceQuota             = corev1.ResourceQuota
	corev1ResourceQuotaList         = corev1.ResourceQuotaList
	corev1LimitRange                = corev1.LimitRange
	corev1LimitRangeList            = corev1.LimitRangeList
	corev1ReplicationController     = corev1.ReplicationController
	corev1ReplicationControllerList = corev1.ReplicationControllerList
	corev1PodTemplate               = corev1.PodTemplate
	corev1PodTemplateList           = corev1.PodTemplateList
	appsv1Deployment                = appsv1.Deployment
	appsv1DeploymentList            = appsv1.DeploymentList
	appsv1ReplicaSet                = appsv1.ReplicaSet
	appsv1ReplicaSetList            = appsv1.ReplicaSetList
	appsv1StatefulSet               = appsv1.StatefulSet
	appsv1StatefulSetList           = appsv1.StatefulSetList
	appsv1DaemonSet                 = appsv1.DaemonSet
	appsv1DaemonSetList             = appsv1.DaemonSetList
	appsv1ControllerRevision        = appsv1.ControllerRevision
	appsv1ControllerRevisionList    = appsv1.ControllerRevisionList
	batchv1Job                      = batchv1.Job
	batchv1JobList                  = batchv1.JobList
	batchv1CronJob                  = batchv1.CronJob
	batchv1CronJobList              = batchv1.CronJobList
	autoscalingv2HPA                = autoscalingv2.HorizontalPodAutoscaler
	autoscalingv2HPAList            = autoscalingv2.HorizontalPodAutoscalerList
	autoscalingv1HPA                = autoscalingv1.HorizontalPodAutoscaler
	autoscalingv1HPAList            = autoscalingv1.HorizontalPodAutoscalerList
	coordinationv1Lease             = coordinationv1.Lease
	coordinationv1LeaseList         = coordinationv1.LeaseList
	discoveryv1EndpointSlice        = discoveryv1.EndpointSlice
	discoveryv1EndpointSliceList    = discoveryv1.EndpointSliceList
	eventsv1Event                   = eventsv1.Event
	eventsv1EventList               = eventsv1.EventList
	networkingv1Ingress             = networkingv1.Ingress
	networkingv1IngressList         = networkingv1.IngressList
	networkingv1IngressClass        = networkingv1.IngressClass
	networkingv1IngressClassList    = networkingv1.IngressClassList
	networkingv1NetworkPolicy       = networkingv1.NetworkPolicy
	networkingv1NetworkPolicyList   = networkingv1.NetworkPolicyList
	policyv1PDB                     = policyv1.PodDisruptionBudget
	policyv1PDBList                 = policyv1.PodDisruptionBudgetList
	rbacv1Role                      = rbacv1.Role
	rbacv1RoleList                  = rbacv1.RoleList
	rbacv1RoleBinding               = rbacv1.RoleBinding
	rbacv1RoleBindingList           = rbacv1.RoleBindingList
	rbacv1ClusterRole               = rbacv1.ClusterRole
	rbacv1ClusterRoleList           = rbacv1.ClusterRoleList
	rbacv1ClusterRoleBinding        = rbacv1.ClusterRoleBinding
	rbacv1ClusterRoleBindingList    = rbacv1.ClusterRoleBindingList
	schedulingv1PriorityClass       = schedulingv1.PriorityClass
	schedulingv1PriorityClassList   = schedulingv1.PriorityClassList
	storagev1StorageClass           = storagev1.StorageClass
	storagev1StorageClassList       = storagev1.StorageClassList
	certificatesv1CSR               = certificatesv1.CertificateSigningRequest
	certificatesv1CSRList           = certificatesv1.CertificateSigningRequestList
)
