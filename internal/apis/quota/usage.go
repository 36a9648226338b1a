package quota

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The resources whose objects quotas charge beyond their object count.
var (
	podsGR        = schema.GroupResource{Resource: "pods"}
	servicesGR    = schema.GroupResource{Resource: "services"}
	claimsGR      = schema.GroupResource{Resource: "persistentvolumeclaims"}
	configMapsGR  = schema.GroupResource{Resource: "configmaps"}
	secretsGR     = schema.GroupResource{Resource: "secrets"}
	controllersGR = schema.GroupResource{Resource: "replicationcontrollers"}
	quotasGR      = schema.GroupResource{Resource: "resourcequotas"}
)

// storageClassSuffix names per-StorageClass claim quotas.
const storageClassSuffix = ".storageclass.storage.k8s.io/"

// CountName is the object-count quota name of a resource:
// count/<resource> for the core group, count/<resource>.<group> otherwise.
func CountName(gr schema.GroupResource) corev1.ResourceName {
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

// Usage is what one object of gr charges to a quota, by quota resource name.
func Usage(gr schema.GroupResource, obj runtime.Object) corev1.ResourceList {
	one := *resource.NewQuantity(1, resource.DecimalSI)
	out := corev1.ResourceList{CountName(gr): one}
	if name, ok := legacyCounts[gr]; ok {
		out[name] = one
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		if Terminal(o) {
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

// Terminal reports that pod is Succeeded or Failed: it uses no quota.
func Terminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// standardCompute are the resources also quota'd by their bare name.
var standardCompute = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true, corev1.ResourceEphemeralStorage: true,
}

func addPodCompute(out corev1.ResourceList, pod *corev1.Pod) {
	for name, q := range PodResources(pod, true) {
		out["requests."+name] = q
		if standardCompute[name] {
			out[name] = q
		}
	}
	for name, q := range PodResources(pod, false) {
		out["limits."+name] = q
	}
}

// PodResources is the pod's effective requests (or limits): the sum over
// its containers, at least the largest init container, plus overhead.
func PodResources(pod *corev1.Pod, requests bool) corev1.ResourceList {
	pick := func(c corev1.Container) corev1.ResourceList {
		if requests {
			return c.Resources.Requests
		}
		return c.Resources.Limits
	}
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		Add(sum, pick(c))
	}
	for _, c := range pod.Spec.InitContainers {
		for name, q := range pick(c) {
			if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
				sum[name] = q.DeepCopy()
			}
		}
	}
	Add(sum, pod.Spec.Overhead)
	return sum
}

// Add adds every quantity of l into sum.
func Add(sum, l corev1.ResourceList) {
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

// Groups returns the resources whose objects a quota with these hard
// names counts, for computing its initial usage.
func Groups(hard corev1.ResourceList) []schema.GroupResource {
	seen := map[schema.GroupResource]bool{}
	for name := range hard {
		seen[GroupOf(name)] = true
	}
	delete(seen, schema.GroupResource{})
	out := make([]schema.GroupResource, 0, len(seen))
	for gr := range seen {
		out = append(out, gr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// GroupOf maps a quota resource name to the resource whose objects use it.
func GroupOf(name corev1.ResourceName) schema.GroupResource {
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

// Mask keeps the entries of l named in names.
func Mask(l corev1.ResourceList, names corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range l {
		if _, ok := names[name]; ok {
			out[name] = q
		}
	}
	return out
}
