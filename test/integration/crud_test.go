package integration

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// object is what every typed client hands back: a pointer to a k8s.io/api
// type, which is both a runtime.Object and a metav1.Object.
type object interface {
	runtime.Object
	metav1.Object
}

// crudClient is the part of a client-go typed client the CRUD table uses.
type crudClient[T object, L runtime.Object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// collectionDeleter is the deletecollection verb, which namespaces lack.
type collectionDeleter interface {
	DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error
}

// crudCase is one row of the CRUD table.
type crudCase struct {
	name string
	run  func(t *testing.T, cs kubernetes.Interface, ns string)
}

// typed builds a CRUD case from a client for a namespace and a builder of
// one valid object.
func typed[T object, L runtime.Object](name string, client func(cs kubernetes.Interface, ns string) crudClient[T, L], build func(ns, name string) T) crudCase {
	return crudCase{name: name, run: func(t *testing.T, cs kubernetes.Interface, ns string) {
		c := client(cs, ns)
		exerciseCRUD(t, c, ns, build)
		if name == "namespaces" {
			// As upstream, namespaces do not serve deletecollection.
			err := any(c).(collectionDeleter).DeleteCollection(ctxFor(t), metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "none=none"})
			if !apierrors.IsMethodNotSupported(err) {
				t.Errorf("deletecollection namespaces: err %v; want 405 MethodNotAllowed", err)
			}
			return
		}
		if dc, ok := any(c).(collectionDeleter); ok {
			exerciseDeleteCollection(t, c, dc, ns, build)
		}
	}}
}

func crudCases() []crudCase {
	return []crudCase{
		typed("namespaces", func(cs kubernetes.Interface, _ string) crudClient[*corev1Namespace, *corev1NamespaceList] {
			return cs.CoreV1().Namespaces()
		}, newNamespaceObj),
		typed("pods", func(cs kubernetes.Interface, ns string) crudClient[*corev1Pod, *corev1PodList] {
			return cs.CoreV1().Pods(ns)
		}, newPod),
		typed("nodes", func(cs kubernetes.Interface, _ string) crudClient[*corev1Node, *corev1NodeList] {
			return cs.CoreV1().Nodes()
		}, newNode),
		typed("services", func(cs kubernetes.Interface, ns string) crudClient[*corev1Service, *corev1ServiceList] {
			return cs.CoreV1().Services(ns)
		}, newService),
		typed("endpoints", func(cs kubernetes.Interface, ns string) crudClient[*corev1Endpoints, *corev1EndpointsList] {
			return cs.CoreV1().Endpoints(ns)
		}, newEndpoints),
		typed("configmaps", func(cs kubernetes.Interface, ns string) crudClient[*corev1ConfigMap, *corev1ConfigMapList] {
			return cs.CoreV1().ConfigMaps(ns)
		}, newConfigMap),
		typed("secrets", func(cs kubernetes.Interface, ns string) crudClient[*corev1Secret, *corev1SecretList] {
			return cs.CoreV1().Secrets(ns)
		}, newSecret),
		typed("serviceaccounts", func(cs kubernetes.Interface, ns string) crudClient[*corev1ServiceAccount, *corev1ServiceAccountList] {
			return cs.CoreV1().ServiceAccounts(ns)
		}, newServiceAccount),
		typed("events", func(cs kubernetes.Interface, ns string) crudClient[*corev1Event, *corev1EventList] {
			return cs.CoreV1().Events(ns)
		}, newCoreEvent),
		typed("persistentvolumes", func(cs kubernetes.Interface, _ string) crudClient[*corev1PersistentVolume, *corev1PersistentVolumeList] {
			return cs.CoreV1().PersistentVolumes()
		}, newPV),
		typed("persistentvolumeclaims", func(cs kubernetes.Interface, ns string) crudClient[*corev1PersistentVolumeClaim, *corev1PersistentVolumeClaimList] {
			return cs.CoreV1().PersistentVolumeClaims(ns)
		}, newPVC),
		typed("resourcequotas", func(cs kubernetes.Interface, ns string) crudClient[*corev1ResourceQuota, *corev1ResourceQuotaList] {
			return cs.CoreV1().ResourceQuotas(ns)
		}, newResourceQuota),
		typed("limitranges", func(cs kubernetes.Interface, ns string) crudClient[*corev1LimitRange, *corev1LimitRangeList] {
			return cs.CoreV1().LimitRanges(ns)
		}, newLimitRange),
		typed("replicationcontrollers", func(cs kubernetes.Interface, ns string) crudClient[*corev1ReplicationController, *corev1ReplicationControllerList] {
			return cs.CoreV1().ReplicationControllers(ns)
		}, newRC),
		typed("podtemplates", func(cs kubernetes.Interface, ns string) crudClient[*corev1PodTemplate, *corev1PodTemplateList] {
			return cs.CoreV1().PodTemplates(ns)
		}, newPodTemplate),
		typed("deployments", func(cs kubernetes.Interface, ns string) crudClient[*appsv1Deployment, *appsv1DeploymentList] {
			return cs.AppsV1().Deployments(ns)
		}, newDeployment),
		typed("replicasets", func(cs kubernetes.Interface, ns string) crudClient[*appsv1ReplicaSet, *appsv1ReplicaSetList] {
			return cs.AppsV1().ReplicaSets(ns)
		}, newReplicaSet),
		typed("statefulsets", func(cs kubernetes.Interface, ns string) crudClient[*appsv1StatefulSet, *appsv1StatefulSetList] {
			return cs.AppsV1().StatefulSets(ns)
		}, newStatefulSet),
		typed("daemonsets", func(cs kubernetes.Interface, ns string) crudClient[*appsv1DaemonSet, *appsv1DaemonSetList] {
			return cs.AppsV1().DaemonSets(ns)
		}, newDaemonSet),
		typed("controllerrevisions", func(cs kubernetes.Interface, ns string) crudClient[*appsv1ControllerRevision, *appsv1ControllerRevisionList] {
			return cs.AppsV1().ControllerRevisions(ns)
		}, newControllerRevision),
		typed("jobs", func(cs kubernetes.Interface, ns string) crudClient[*batchv1Job, *batchv1JobList] {
			return cs.BatchV1().Jobs(ns)
		}, newJob),
		typed("cronjobs", func(cs kubernetes.Interface, ns string) crudClient[*batchv1CronJob, *batchv1CronJobList] {
			return cs.BatchV1().CronJobs(ns)
		}, newCronJob),
		typed("horizontalpodautoscalers.v2", func(cs kubernetes.Interface, ns string) crudClient[*autoscalingv2HPA, *autoscalingv2HPAList] {
			return cs.AutoscalingV2().HorizontalPodAutoscalers(ns)
		}, newHPAv2),
		typed("horizontalpodautoscalers.v1", func(cs kubernetes.Interface, ns string) crudClient[*autoscalingv1HPA, *autoscalingv1HPAList] {
			return cs.AutoscalingV1().HorizontalPodAutoscalers(ns)
		}, newHPAv1),
		typed("leases", func(cs kubernetes.Interface, ns string) crudClient[*coordinationv1Lease, *coordinationv1LeaseList] {
			return cs.CoordinationV1().Leases(ns)
		}, newLease),
		typed("endpointslices", func(cs kubernetes.Interface, ns string) crudClient[*discoveryv1EndpointSlice, *discoveryv1EndpointSliceList] {
			return cs.DiscoveryV1().EndpointSlices(ns)
		}, newEndpointSlice),
		typed("events.k8s.io", func(cs kubernetes.Interface, ns string) crudClient[*eventsv1Event, *eventsv1EventList] {
			return cs.EventsV1().Events(ns)
		}, newEventsV1),
		typed("ingresses", func(cs kubernetes.Interface, ns string) crudClient[*networkingv1Ingress, *networkingv1IngressList] {
			return cs.NetworkingV1().Ingresses(ns)
		}, newIngress),
		typed("ingressclasses", func(cs kubernetes.Interface, _ string) crudClient[*networkingv1IngressClass, *networkingv1IngressClassList] {
			return cs.NetworkingV1().IngressClasses()
		}, newIngressClass),
		typed("networkpolicies", func(cs kubernetes.Interface, ns string) crudClient[*networkingv1NetworkPolicy, *networkingv1NetworkPolicyList] {
			return cs.NetworkingV1().NetworkPolicies(ns)
		}, newNetworkPolicy),
		typed("poddisruptionbudgets", func(cs kubernetes.Interface, ns string) crudClient[*policyv1PDB, *policyv1PDBList] {
			return cs.PolicyV1().PodDisruptionBudgets(ns)
		}, newPDB),
		typed("roles", func(cs kubernetes.Interface, ns string) crudClient[*rbacv1Role, *rbacv1RoleList] {
			return cs.RbacV1().Roles(ns)
		}, newRole),
		typed("rolebindings", func(cs kubernetes.Interface, ns string) crudClient[*rbacv1RoleBinding, *rbacv1RoleBindingList] {
			return cs.RbacV1().RoleBindings(ns)
		}, newRoleBinding),
		typed("clusterroles", func(cs kubernetes.Interface, _ string) crudClient[*rbacv1ClusterRole, *rbacv1ClusterRoleList] {
			return cs.RbacV1().ClusterRoles()
		}, newClusterRole),
		typed("clusterrolebindings", func(cs kubernetes.Interface, _ string) crudClient[*rbacv1ClusterRoleBinding, *rbacv1ClusterRoleBindingList] {
			return cs.RbacV1().ClusterRoleBindings()
		}, newClusterRoleBinding),
		typed("priorityclasses", func(cs kubernetes.Interface, _ string) crudClient[*schedulingv1PriorityClass, *schedulingv1PriorityClassList] {
			return cs.SchedulingV1().PriorityClasses()
		}, newPriorityClass),
		typed("storageclasses", func(cs kubernetes.Interface, _ string) crudClient[*storagev1StorageClass, *storagev1StorageClassList] {
			return cs.StorageV1().StorageClasses()
		}, newStorageClass),
		typed("certificatesigningrequests", func(cs kubernetes.Interface, _ string) crudClient[*certificatesv1CSR, *certificatesv1CSRList] {
			return cs.CertificatesV1().CertificateSigningRequests()
		}, newCSR),
	}
}

// TestCRUD runs create, get, list, update, patch, watch, delete and
// deletecollection against every served resource through its typed client.
func TestCRUD(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range crudCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, shared.cs, ns)
		})
	}
}

func exerciseCRUD[T object, L runtime.Object](t *testing.T, c crudClient[T, L], ns string, build func(ns, name string) T) {
	ctx := ctxFor(t)
	name := uniqueName("crud")
	list, err := c.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	startRV := listRV(t, list)
	w, err := c.Watch(ctx, metav1.ListOptions{ResourceVersion: startRV, FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatalf("watch from %s: %v", startRV, err)
	}
	defer w.Stop()

	created, err := c.Create(ctx, build(ns, name), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if ct := created.GetCreationTimestamp(); created.GetUID() == "" || created.GetResourceVersion() == "" || ct.IsZero() {
		t.Errorf("create: uid %q, resourceVersion %q, creationTimestamp %v; want all set",
			created.GetUID(), created.GetResourceVersion(), created.GetCreationTimestamp())
	}
	got, err := c.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	if got.GetUID() != created.GetUID() || got.GetResourceVersion() != created.GetResourceVersion() {
		t.Errorf("get: uid %s rv %s; want uid %s rv %s", got.GetUID(), got.GetResourceVersion(), created.GetUID(), created.GetResourceVersion())
	}
	list, err = c.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if !listHas(t, list, name) {
		t.Errorf("list does not contain %s", name)
	}

	got.SetLabels(map[string]string{"crud": "updated"})
	updated, err := c.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.GetLabels()["crud"] != "updated" || updated.GetResourceVersion() == got.GetResourceVersion() {
		t.Errorf("update: labels %v rv %s (was %s); want crud=updated and a new rv", updated.GetLabels(), updated.GetResourceVersion(), got.GetResourceVersion())
	}
	patched, err := c.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"annotations":{"crud":"patched"}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	if patched.GetAnnotations()["crud"] != "patched" || patched.GetLabels()["crud"] != "updated" {
		t.Errorf("patch: annotations %v labels %v; want crud=patched annotation and crud=updated label", patched.GetAnnotations(), patched.GetLabels())
	}

	if err := c.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, isNS := any(created).(*corev1Namespace); isNS {
		finalizeNamespace(t, name)
	}
	if _, err := c.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete: err %v; want NotFound", err)
	}
	types := watchTypes(t, w, watch.Deleted)
	if len(types) < 4 || types[0] != watch.Added || types[1] != watch.Modified || types[2] != watch.Modified || types[len(types)-1] != watch.Deleted {
		t.Errorf("watch events %v; want ADDED MODIFIED MODIFIED ... DELETED", types)
	}
}

// exerciseDeleteCollection deletes the objects matching a label selector
// and nothing else.
func exerciseDeleteCollection[T object, L runtime.Object](t *testing.T, c crudClient[T, L], dc collectionDeleter, ns string, build func(ns, name string) T) {
	ctx := ctxFor(t)
	set := uniqueName("set")
	var doomed []string
	for i := 0; i < 2; i++ {
		obj := build(ns, uniqueName("coll"))
		obj.SetLabels(map[string]string{"set": set})
		if _, err := c.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", obj.GetName(), err)
		}
		doomed = append(doomed, obj.GetName())
	}
	keep := build(ns, uniqueName("keep"))
	if _, err := c.Create(ctx, keep, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create %s: %v", keep.GetName(), err)
	}
	if err := dc.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "set=" + set}); err != nil {
		t.Fatalf("deletecollection set=%s: %v", set, err)
	}
	for _, name := range doomed {
		if _, err := c.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get %s after deletecollection: err %v; want NotFound", name, err)
		}
	}
	if _, err := c.Get(ctx, keep.GetName(), metav1.GetOptions{}); err != nil {
		t.Errorf("get unselected %s after deletecollection: %v; want it kept", keep.GetName(), err)
	}
	if err := c.Delete(ctx, keep.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Errorf("delete %s: %v", keep.GetName(), err)
	}
}

func listRV(t *testing.T, list runtime.Object) string {
	t.Helper()
	lm, err := meta.ListAccessor(list)
	if err != nil {
		t.Fatalf("list accessor: %v", err)
	}
	if lm.GetResourceVersion() == "" {
		t.Fatalf("list has no resourceVersion")
	}
	return lm.GetResourceVersion()
}

func listNames(t *testing.T, list runtime.Object) []string {
	t.Helper()
	items, err := meta.ExtractList(list)
	if err != nil {
		t.Fatalf("extract list: %v", err)
	}
	var names []string
	for _, it := range items {
		m, _ := meta.Accessor(it)
		names = append(names, m.GetName())
	}
	return names
}

func listHas(t *testing.T, list runtime.Object, name string) bool {
	for _, n := range listNames(t, list) {
		if n == name {
			return true
		}
	}
	return false
}

// watchTypes reads events until one of type last arrives (or 10 seconds
// pass) and returns their types.
func watchTypes(t *testing.T, w watch.Interface, last watch.EventType) []watch.EventType {
	t.Helper()
	var out []watch.EventType
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Errorf("watch closed after %v", out)
				return out
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			if ev.Type == watch.Error {
				t.Errorf("watch error event: %v", apierrors.FromObject(ev.Object))
				return out
			}
			out = append(out, ev.Type)
			if ev.Type == last {
				return out
			}
		case <-timeout:
			t.Errorf("no %s event within 10s; got %v", last, out)
			return out
		}
	}
}
