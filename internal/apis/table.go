package apis

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/apis/printers"
)

// Verb sets used by most resources.
var (
	allVerbs   = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	noCollVerb = []string{"create", "delete", "get", "list", "patch", "update", "watch"}
)

// spec is the compact form a table entry is written in.
type spec struct {
	group, version, resource, kind string
	namespaced                     bool
	short, categories              []string
	subresources                   []string
	storageKey                     string
	verbs                          []string
	// storedAs, when set, gives the stored form of a resource served in
	// another version.
	storedAs func(scheme *runtime.Scheme) *StorageVersion
}

// specs lists every served resource, in discovery order per group.
func specs() []spec {
	all := []string{"all"}
	return []spec{
		// core/v1
		{group: "", version: "v1", resource: "namespaces", kind: "Namespace", short: []string{"ns"}, subresources: []string{"status", "finalize"}, verbs: noCollVerb},
		{group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, short: []string{"po"}, categories: all, subresources: []string{"status", "binding", "eviction", "ephemeralcontainers", "log", "exec", "attach", "portforward"}},
		{group: "", version: "v1", resource: "nodes", kind: "Node", short: []string{"no"}, subresources: []string{"status", "proxy"}},
		{group: "", version: "v1", resource: "services", kind: "Service", namespaced: true, short: []string{"svc"}, categories: all, subresources: []string{"status"}},
		{group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true, short: []string{"ep"}},
		{group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, short: []string{"cm"}},
		{group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true},
		{group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true, short: []string{"sa"}, subresources: []string{"token"}},
		{group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, short: []string{"ev"}},
		{group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume", short: []string{"pv"}, subresources: []string{"status"}},
		{group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, short: []string{"pvc"}, subresources: []string{"status"}},
		{group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: true, short: []string{"quota"}, subresources: []string{"status"}},
		{group: "", version: "v1", resource: "limitranges", kind: "LimitRange", namespaced: true, short: []string{"limits"}},
		{group: "", version: "v1", resource: "replicationcontrollers", kind: "ReplicationController", namespaced: true, short: []string{"rc"}, categories: all, subresources: []string{"status", "scale"}},
		{group: "", version: "v1", resource: "podtemplates", kind: "PodTemplate", namespaced: true},
		// apps/v1
		{group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true, short: []string{"deploy"}, categories: all, subresources: []string{"status", "scale"}},
		{group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true, short: []string{"rs"}, categories: all, subresources: []string{"status", "scale"}},
		{group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true, short: []string{"sts"}, categories: all, subresources: []string{"status", "scale"}},
		{group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true, short: []string{"ds"}, categories: all, subresources: []string{"status"}},
		{group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true},
		// batch/v1
		{group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true, categories: all, subresources: []string{"status"}},
		{group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true, short: []string{"cj"}, categories: all, subresources: []string{"status"}},
		// autoscaling: v2 is stored, v1 is served from the same key.
		{group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true, short: []string{"hpa"}, categories: all, subresources: []string{"status"}},
		{group: "autoscaling", version: "v1", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true, short: []string{"hpa"}, categories: all, subresources: []string{"status"}, storageKey: "autoscaling/horizontalpodautoscalers", storedAs: hpaV2Storage},
		{group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true},
		{group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: true},
		{group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, short: []string{"ev"}, storageKey: "events", storedAs: coreEventStorage},
		{group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", namespaced: true, short: []string{"ing"}, subresources: []string{"status"}},
		{group: "networking.k8s.io", version: "v1", resource: "ingressclasses", kind: "IngressClass"},
		{group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true, short: []string{"netpol"}},
		{group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, short: []string{"pdb"}, subresources: []string{"status"}},
		{group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true},
		{group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true},
		{group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole"},
		{group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding"},
		{group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses", kind: "PriorityClass", short: []string{"pc"}},
		{group: "storage.k8s.io", version: "v1", resource: "storageclasses", kind: "StorageClass", short: []string{"sc"}},
		{group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", short: []string{"csr"}, subresources: []string{"status", "approval"}},
	}
}

// Table builds the resource table from the given scheme, which must know
// every kind listed (client-go's scheme does). Resources come back in
// discovery order.
func Table(scheme *runtime.Scheme) ([]*Resource, error) {
	var out []*Resource
	for _, s := range specs() {
		gv := schema.GroupVersion{Group: s.group, Version: s.version}
		gvk := gv.WithKind(s.kind)
		listGVK := gv.WithKind(s.kind + "List")
		if _, err := scheme.New(gvk); err != nil {
			return nil, err
		}
		if _, err := scheme.New(listGVK); err != nil {
			return nil, err
		}
		key := s.storageKey
		if key == "" {
			key = s.resource
			if s.group != "" {
				key = s.group + "/" + s.resource
			}
		}
		verbs := s.verbs
		if verbs == nil {
			verbs = allVerbs
		}
		r := &Resource{
			GVR:          gv.WithResource(s.resource),
			Kind:         s.kind,
			Namespaced:   s.namespaced,
			ShortNames:   s.short,
			Categories:   s.categories,
			SingularName: lower(s.kind),
			Verbs:        verbs,
			Subresources: s.subresources,
			StorageKey:   key,
			New:          newFunc(scheme, gvk),
			NewList:      newFunc(scheme, listGVK),
			Printer:      printers.For(gvk),
		}
		r.HasStatus = r.HasSubresource("status")
		if s.storedAs != nil {
			r.Storage = s.storedAs(scheme)
		}
		out = append(out, r)
	}
	return out, nil
}

func newFunc(scheme *runtime.Scheme, gvk schema.GroupVersionKind) func() runtime.Object {
	return func() runtime.Object {
		obj, err := scheme.New(gvk)
		if err != nil {
			// Table checked every kind at build time.
			panic(err)
		}
		return obj
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
