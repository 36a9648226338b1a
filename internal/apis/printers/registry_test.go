package printers

import (
	"testing"
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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// servedObjects is an empty object of every served kind and version.
func servedObjects() map[schema.GroupVersionKind]runtime.Object {
	core := corev1.SchemeGroupVersion
	return map[schema.GroupVersionKind]runtime.Object{
		core.WithKind("Pod"):                                                    &corev1.Pod{},
		core.WithKind("Node"):                                                   &corev1.Node{},
		core.WithKind("Service"):                                                &corev1.Service{},
		core.WithKind("Endpoints"):                                              &corev1.Endpoints{},
		core.WithKind("ConfigMap"):                                              &corev1.ConfigMap{},
		core.WithKind("Secret"):                                                 &corev1.Secret{},
		core.WithKind("ServiceAccount"):                                         &corev1.ServiceAccount{},
		core.WithKind("Event"):                                                  &corev1.Event{},
		core.WithKind("Namespace"):                                              &corev1.Namespace{},
		core.WithKind("PersistentVolume"):                                       &corev1.PersistentVolume{},
		core.WithKind("PersistentVolumeClaim"):                                  &corev1.PersistentVolumeClaim{},
		core.WithKind("ResourceQuota"):                                          &corev1.ResourceQuota{},
		core.WithKind("LimitRange"):                                             &corev1.LimitRange{},
		core.WithKind("ReplicationController"):                                  &corev1.ReplicationController{},
		core.WithKind("PodTemplate"):                                            &corev1.PodTemplate{},
		appsv1.SchemeGroupVersion.WithKind("Deployment"):                        &appsv1.Deployment{},
		appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):                        &appsv1.ReplicaSet{},
		appsv1.SchemeGroupVersion.WithKind("StatefulSet"):                       &appsv1.StatefulSet{},
		appsv1.SchemeGroupVersion.WithKind("DaemonSet"):                         &appsv1.DaemonSet{},
		appsv1.SchemeGroupVersion.WithKind("ControllerRevision"):                &appsv1.ControllerRevision{},
		batchv1.SchemeGroupVersion.WithKind("Job"):                              &batchv1.Job{},
		batchv1.SchemeGroupVersion.WithKind("CronJob"):                          &batchv1.CronJob{},
		autoscalingv1.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"):    &autoscalingv1.HorizontalPodAutoscaler{},
		autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"):    &autoscalingv2.HorizontalPodAutoscaler{},
		coordinationv1.SchemeGroupVersion.WithKind("Lease"):                     &coordinationv1.Lease{},
		discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"):                &discoveryv1.EndpointSlice{},
		eventsv1.SchemeGroupVersion.WithKind("Event"):                           &eventsv1.Event{},
		networkingv1.SchemeGroupVersion.WithKind("Ingress"):                     &networkingv1.Ingress{},
		networkingv1.SchemeGroupVersion.WithKind("IngressClass"):                &networkingv1.IngressClass{},
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"):               &networkingv1.NetworkPolicy{},
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"):             &policyv1.PodDisruptionBudget{},
		rbacv1.SchemeGroupVersion.WithKind("Role"):                              &rbacv1.Role{},
		rbacv1.SchemeGroupVersion.WithKind("RoleBinding"):                       &rbacv1.RoleBinding{},
		rbacv1.SchemeGroupVersion.WithKind("ClusterRole"):                       &rbacv1.ClusterRole{},
		rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding"):                &rbacv1.ClusterRoleBinding{},
		schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"):               &schedulingv1.PriorityClass{},
		storagev1.SchemeGroupVersion.WithKind("StorageClass"):                   &storagev1.StorageClass{},
		certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"): &certificatesv1.CertificateSigningRequest{},
	}
}

// defaultTableKinds are the served kinds upstream prints with the default
// NAME / CREATED AT table.
var defaultTableKinds = map[string]bool{"Role": true, "ClusterRole": true, "LimitRange": true}

// TestEveryRowFillsEveryColumn prints an empty object of every served kind
// and a populated pod, checking one cell per column.
func TestEveryRowFillsEveryColumn(t *testing.T) {
	for gvk, obj := range servedObjects() {
		t.Run(gvk.String(), func(t *testing.T) {
			p := For(gvk)
			if defaultTableKinds[gvk.Kind] {
				if p != nil {
					t.Fatalf("For(%v) = a printer; want nil (upstream uses the default table)", gvk)
				}
				p = Default()
			}
			if p == nil {
				t.Fatalf("For(%v) = nil; want a printer", gvk)
			}
			cells, err := p.Row(obj, now)
			if err != nil {
				t.Fatalf("Row(empty %T) error = %v", obj, err)
			}
			if len(cells) != len(p.Columns) {
				t.Errorf("Row(empty %T) = %d cells; want %d (one per column)", obj, len(cells), len(p.Columns))
			}
		})
	}
}

// TestColumnsAreWellFormed checks what kubectl relies on: one "name"
// formatted Name column, known types, priorities 0 or 1, descriptions.
func TestColumnsAreWellFormed(t *testing.T) {
	types := map[string]bool{"string": true, "integer": true, "boolean": true, "date": true, "number": true}
	for gvk := range servedObjects() {
		p := For(gvk)
		if p == nil {
			continue
		}
		names := 0
		for i, c := range p.Columns {
			if c.Format == "name" {
				names++
				if c.Name != "Name" {
					t.Errorf("%v column %d %q has format name; want only the Name column", gvk, i, c.Name)
				}
			}
			if !types[c.Type] {
				t.Errorf("%v column %q type = %q; want an OpenAPI type", gvk, c.Name, c.Type)
			}
			if c.Priority != 0 && c.Priority != 1 {
				t.Errorf("%v column %q priority = %d; want 0 or 1", gvk, c.Name, c.Priority)
			}
			if c.Description == "" {
				t.Errorf("%v column %q has no description", gvk, c.Name)
			}
		}
		if names != 1 {
			t.Errorf("%v has %d name-formatted columns; want 1", gvk, names)
		}
		if gvk.Kind != "Event" && p.Columns[0].Format != "name" {
			t.Errorf("%v first column = %q; want the name column", gvk, p.Columns[0].Name)
		}
	}
}

// TestColumnNames pins the headers users read for the everyday kinds.
func TestColumnNames(t *testing.T) {
	tests := []struct {
		gvk  schema.GroupVersionKind
		want string // default columns, then "|" and the wide ones
	}{
		{corev1.SchemeGroupVersion.WithKind("Pod"), "Name Ready Status Restarts Age|IP Node Nominated Node Readiness Gates"},
		{corev1.SchemeGroupVersion.WithKind("Node"), "Name Status Roles Age Version|Internal-IP External-IP OS-Image Kernel-Version Container-Runtime"},
		{corev1.SchemeGroupVersion.WithKind("Service"), "Name Type Cluster-IP External-IP Port(s) Age|Selector"},
		{corev1.SchemeGroupVersion.WithKind("Namespace"), "Name Status Age|"},
		{corev1.SchemeGroupVersion.WithKind("Secret"), "Name Type Data Age|"},
		{corev1.SchemeGroupVersion.WithKind("Event"), "Last Seen Type Reason Object Message|Subobject Source First Seen Count Name"},
		{appsv1.SchemeGroupVersion.WithKind("Deployment"), "Name Ready Up-to-date Available Age|Containers Images Selector"},
		{appsv1.SchemeGroupVersion.WithKind("StatefulSet"), "Name Ready Age|Containers Images"},
		{appsv1.SchemeGroupVersion.WithKind("DaemonSet"), "Name Desired Current Ready Up-to-date Available Node Selector Age|Containers Images Selector"},
		{batchv1.SchemeGroupVersion.WithKind("Job"), "Name Status Completions Duration Age|Containers Images Selector"},
		{batchv1.SchemeGroupVersion.WithKind("CronJob"), "Name Schedule Timezone Suspend Active Last Schedule Age|Containers Images Selector"},
		{corev1.SchemeGroupVersion.WithKind("PersistentVolume"), "Name Capacity Access Modes Reclaim Policy Status Claim StorageClass VolumeAttributesClass Reason Age|VolumeMode"},
		{autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), "Name Reference Targets MinPods MaxPods Replicas Age|"},
	}
	for _, tc := range tests {
		var normal, wide []string
		for _, c := range For(tc.gvk).Columns {
			if c.Priority == 1 {
				wide = append(wide, c.Name)
			} else {
				normal = append(normal, c.Name)
			}
		}
		if got := join(normal) + "|" + join(wide); got != tc.want {
			t.Errorf("For(%v) columns = %q; want %q", tc.gvk, got, tc.want)
		}
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

func TestForUnknownKind(t *testing.T) {
	for _, gvk := range []schema.GroupVersionKind{
		{Group: "example.com", Version: "v1", Kind: "Widget"},
		rbacv1.SchemeGroupVersion.WithKind("Role"),
		corev1.SchemeGroupVersion.WithKind("LimitRange"),
	} {
		if p := For(gvk); p != nil {
			t.Errorf("For(%v) = a printer; want nil", gvk)
		}
	}
}

func TestRowRejectsOtherTypes(t *testing.T) {
	_, err := For(corev1.SchemeGroupVersion.WithKind("Pod")).Row(&corev1.Node{}, now)
	if !apierrors.IsInternalError(err) {
		t.Errorf("pod printer Row(*Node) error = %v; want an internal error", err)
	}
}

func TestDefault(t *testing.T) {
	p := Default()
	if got := []string{p.Columns[0].Name, p.Columns[0].Format, p.Columns[1].Name, p.Columns[1].Type}; got[0] != "Name" || got[1] != "name" || got[2] != "Created At" || got[3] != "date" {
		t.Errorf("Default() columns = %v; want Name (format name), Created At (date)", got)
	}
	created := metav1.NewTime(time.Date(2024, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600)))
	tests := []rowCase{
		{"role", &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", CreationTimestamp: created}}, []interface{}{"reader", "2024-03-04T04:06:07Z"}},
		{"zero time", &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits"}}, []interface{}{"limits", "0001-01-01T00:00:00Z"}},
	}
	for _, tc := range tests {
		got, err := p.Row(tc.obj, now)
		if err != nil || len(got) != 2 || got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("Default().Row(%s) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := p.Row(&metav1.Status{}, now); apierrors.ReasonForError(err) != metav1.StatusReasonNotAcceptable {
		t.Errorf("Default().Row(*Status) error = %v; want NotAcceptable", err)
	}
}
