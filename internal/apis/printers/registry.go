package printers

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// registry holds the printers of every served kind, built on first use.
var registry = sync.OnceValue(newRegistry)

// For returns the printer of the kind gvk names, or nil when upstream has no
// dedicated printer for it (the caller then uses Default). A kind's printer
// serves every version Skiff serves of it; Row accepts the typed k8s.io/api
// object of any of those versions. The returned Printer is shared and must
// not be modified.
func For(gvk schema.GroupVersionKind) *Printer {
	return registry()[gvk.GroupKind()]
}

// newRegistry lists the printer of each kind. Kinds upstream prints with the
// default table (Role, ClusterRole, LimitRange, ...) are deliberately absent.
func newRegistry() map[schema.GroupKind]*Printer {
	core := func(kind string) schema.GroupKind { return schema.GroupKind{Kind: kind} }
	group := func(g, kind string) schema.GroupKind { return schema.GroupKind{Group: g, Kind: kind} }
	return map[schema.GroupKind]*Printer{
		// core/v1
		core("Pod"):                   podPrinter(),
		core("PodTemplate"):           podTemplatePrinter(),
		core("Node"):                  nodePrinter(),
		core("Service"):               servicePrinter(),
		core("Endpoints"):             endpointsPrinter(),
		core("ConfigMap"):             configMapPrinter(),
		core("Secret"):                secretPrinter(),
		core("ServiceAccount"):        serviceAccountPrinter(),
		core("Event"):                 eventPrinter(),
		core("Namespace"):             namespacePrinter(),
		core("PersistentVolume"):      persistentVolumePrinter(),
		core("PersistentVolumeClaim"): persistentVolumeClaimPrinter(),
		core("ResourceQuota"):         resourceQuotaPrinter(),
		core("ReplicationController"): replicationControllerPrinter(),
		// apps/v1
		group("apps", "Deployment"):         deploymentPrinter(),
		group("apps", "ReplicaSet"):         replicaSetPrinter(),
		group("apps", "StatefulSet"):        statefulSetPrinter(),
		group("apps", "DaemonSet"):          daemonSetPrinter(),
		group("apps", "ControllerRevision"): controllerRevisionPrinter(),
		// batch/v1
		group("batch", "Job"):     jobPrinter(),
		group("batch", "CronJob"): cronJobPrinter(),
		// autoscaling/v1 and v2
		group("autoscaling", "HorizontalPodAutoscaler"): horizontalPodAutoscalerPrinter(),
		// autoscaling/v1 Scale: the scale subresource of workloads
		group("autoscaling", "Scale"): scalePrinter(),
		// coordination.k8s.io/v1
		group("coordination.k8s.io", "Lease"): leasePrinter(),
		// discovery.k8s.io/v1
		group("discovery.k8s.io", "EndpointSlice"): endpointSlicePrinter(),
		// events.k8s.io/v1: upstream serves these from core events
		group("events.k8s.io", "Event"): eventPrinter(),
		// networking.k8s.io/v1
		group("networking.k8s.io", "Ingress"):       ingressPrinter(),
		group("networking.k8s.io", "IngressClass"):  ingressClassPrinter(),
		group("networking.k8s.io", "NetworkPolicy"): networkPolicyPrinter(),
		// policy/v1
		group("policy", "PodDisruptionBudget"): podDisruptionBudgetPrinter(),
		// rbac.authorization.k8s.io/v1
		group("rbac.authorization.k8s.io", "RoleBinding"):        roleBindingPrinter("roleBinding"),
		group("rbac.authorization.k8s.io", "ClusterRoleBinding"): roleBindingPrinter("clusterRoleBinding"),
		// scheduling.k8s.io/v1
		group("scheduling.k8s.io", "PriorityClass"): priorityClassPrinter(),
		// storage.k8s.io/v1
		group("storage.k8s.io", "StorageClass"): storageClassPrinter(),
		// certificates.k8s.io/v1
		group("certificates.k8s.io", "CertificateSigningRequest"): certificateSigningRequestPrinter(),
	}
}

// Default returns the table upstream serves for kinds without a printer of
// their own (apiserver's default table convertor): NAME and CREATED AT, the
// creation time in RFC 3339, UTC. It prints any object with metadata.
func Default() *Printer {
	return &Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			{Name: "Created At", Type: "date", Description: objectMetaDoc["creationTimestamp"]},
		},
		Row: func(obj runtime.Object, _ time.Time) ([]interface{}, error) {
			m, err := meta.Accessor(obj)
			if err != nil {
				return nil, notAcceptable(obj)
			}
			return []interface{}{m.GetName(), m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339)}, nil
		},
	}
}

// notAcceptable is upstream's answer for an object without metadata: 406.
func notAcceptable(obj runtime.Object) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotAcceptable,
		Reason:  metav1.StatusReasonNotAcceptable,
		Message: fmt.Sprintf("the object %T does not support being converted to a Table", obj),
	}}
}
