package apis

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// addKindFields adds the kind-specific selectable fields upstream supports
// (each kind's GetAttrs / SelectableFields in upstream's registry).
func addKindFields(obj runtime.Object, set fields.Set) {
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["spec.hostNetwork"] = strconv.FormatBool(o.Spec.HostNetwork)
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Node:
		set["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	case *corev1.Secret:
		set["type"] = string(o.Type)
	case *corev1.ReplicationController:
		set["status.replicas"] = strconv.Itoa(int(o.Status.Replicas))
	case *appsv1.ReplicaSet:
		set["status.replicas"] = strconv.Itoa(int(o.Status.Replicas))
	case *batchv1.Job:
		set["status.successful"] = strconv.Itoa(int(o.Status.Succeeded))
	case *certificatesv1.CertificateSigningRequest:
		set["spec.signerName"] = o.Spec.SignerName
	case *corev1.Event:
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
		// events.k8s.io/v1 names the same stored fields differently.
		set["regarding.kind"] = o.InvolvedObject.Kind
		set["regarding.namespace"] = o.InvolvedObject.Namespace
		set["regarding.name"] = o.InvolvedObject.Name
		set["regarding.uid"] = string(o.InvolvedObject.UID)
		set["reportingController"] = o.ReportingController
	case *eventsv1.Event:
		set["regarding.kind"] = o.Regarding.Kind
		set["regarding.namespace"] = o.Regarding.Namespace
		set["regarding.name"] = o.Regarding.Name
		set["regarding.uid"] = string(o.Regarding.UID)
		set["reportingController"] = o.ReportingController
		set["reason"] = o.Reason
		set["type"] = o.Type
	}
}

// FieldLabelSupported reports whether a field selector key is valid for
// objects of obj's kind: a selector on an unknown field is rejected with
// 400 as upstream does.
func FieldLabelSupported(obj runtime.Object, key string) bool {
	_, ok := SelectableFields(obj)[key]
	return ok
}
