package admission

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// storageClassSuffix names per-StorageClass claim quotas.
const storageClassSuffix = ".storageclass.storage.k8s.io/"

// countName is the object-count quota name of a resource:
// count/<resource> for the core group, count/<resource>.<group> otherwise.
func countName(gr schema.GroupResource) corev1.ResourceName {
	if gr.Group == "" {
		return corev1.ResourceName("count/" + gr.Resource)
	}
	return corev1.ResourceName("count/" + gr.Resource + "." + gr.Group)
}

// legacyCounts are the object counts upstream also names without count/.
var legacyCounts = map[schema.GroupResource]corev1.ResourceName{
	podsGR:        corev1.ResourcePods,
	servicesGR:    corev1.ResourceServices,
	configMapsGR:  corev1.ResourceConfigMaps,
	secretsGR:     corev1.ResourceSecrets,
	claimsGR:      corev1.ResourcePersistentVolumeClaims,
	controllersGR: corev1.ResourceReplicationControllers,
	quotasGR:      corev1.ResourceQuotas,
}

// usage is what one object of gr charges to a quota, by quota resource name.
func usage(gr schema.GroupResource, obj runtime.Object) corev1.ResourceList {
	one := *resource.NewQuantity(1, resource.DecimalSI)
	out := corev1.ResourceList{countName(gr): one}
	if name, ok := legacyCounts[gr]; ok {
		out[name] = one
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		if terminal(o) {
			return corev1.ResourceList{}
		}
		addPodCompute(out, o)
	case *corev1.Service:
		addServiceUsage(out, o)
	case *corev1.PersistentVolumeClaim:
		addClaimUsage(out, o)
	}
	return out
}

func terminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// standardCompute are the resources also quota'd by their bare name.
var standardCompute = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true, corev1.ResourceEphemeralStorage: true,
}

func addPodCompute(out corev1.ResourceList, pod *corev1.Pod) {
	for name, q := range podResources(pod, true) {
		out["requests."+name] = q
		if standardCompute[name] {
			out[name] = q
		}
	}
	for name, q := range podResources(pod, false) {
		out["limits."+name] = q
	}
}

// podResources is the pod's effective requests (or limits): the sum over
// its containers, at least the largest init container, plus overhead.
func podResources(pod *corev1.Pod, requests bool) corev1.ResourceList {
	pick := func(c corev1.Container) corev1.ResourceList {
		if requests {
			return c.Resources.Requests
		}
		return c.Resources.Limits
	}
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		addList(sum, pick(c))
	}
	for _, c := range pod.Spec.InitContainers {
		for name, q := range pick(c) {
			if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
				sum[name] = q.DeepCopy()
			}
		}
	}
	addList(sum, pod.Spec.Overhead)
	return sum
}

func addList(sum, l corev1.ResourceList) {
	for name, q := range l {
		cur := sum[name]
		cur.Add(q)
		sum[name] = cur
	}
}

func addServiceUsage(out corev1.ResourceList, svc *corev1.Service) {
	ports := int64(len(svc.Spec.Ports))
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(ports, resource.DecimalSI)
	case corev1.ServiceTypeLoadBalancer:
		out[corev1.ResourceServicesLoadBalancers] = *resource.NewQuantity(1, resource.DecimalSI)
		if svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts {
			out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(ports, resource.DecimalSI)
		}
	}
}

func addClaimUsage(out corev1.ResourceList, pvc *corev1.PersistentVolumeClaim) {
	storage, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if ok {
		out[corev1.ResourceRequestsStorage] = storage
	}
	if class != "" {
		out[corev1.ResourceName(class+storageClassSuffix+"persistentvolumeclaims")] = *resource.NewQuantity(1, resource.DecimalSI)
		if ok {
			out[corev1.ResourceName(class+storageClassSuffix+"requests.storage")] = storage
		}
	}
}

// quotaGroups returns the resources whose objects a quota with these hard
// names counts, for computing its initial usage.
func quotaGroups(hard corev1.ResourceList) []schema.GroupResource {
	seen := map[schema.GroupResource]bool{}
	for name := range hard {
		seen[groupOf(name)] = true
	}
	delete(seen, schema.GroupResource{})
	out := make([]schema.GroupResource, 0, len(seen))
	for gr := range seen {
		out = append(out, gr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// groupOf maps a quota resource name to the resource whose objects use it.
func groupOf(name corev1.ResourceName) schema.GroupResource {
	s := string(name)
	for gr, legacy := range legacyCounts {
		if legacy == name {
			return gr
		}
	}
	switch {
	case strings.HasPrefix(s, "count/"):
		rest := strings.TrimPrefix(s, "count/")
		if i := strings.Index(rest, "."); i >= 0 {
			return schema.GroupResource{Resource: rest[:i], Group: rest[i+1:]}
		}
		return schema.GroupResource{Resource: rest}
	case strings.HasPrefix(s, "services."):
		return servicesGR
	case s == string(corev1.ResourceRequestsStorage) || strings.Contains(s, storageClassSuffix):
		return claimsGR
	case strings.HasPrefix(s, "requests.") || strings.HasPrefix(s, "limits.") || standardCompute[name]:
		return podsGR
	}
	return schema.GroupResource{}
}

// mask keeps the entries of l named in names.
func mask(l corev1.ResourceList, names corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range l {
		if _, ok := names[name]; ok {
			out[name] = q
		}
	}
	return out
}

// prettyPrint is upstream's quota rendering: sorted name=value pairs.
func prettyPrint(l corev1.ResourceList) string {
	names := sortedNames(l)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q := l[name]
		parts = append(parts, string(name)+"="+q.String())
	}
	return strings.Join(parts, ",")
}
