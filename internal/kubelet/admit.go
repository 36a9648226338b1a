package kubelet

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodeaffinity"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodeports"
)

// rejection is why the kubelet refused to run a pod: upstream's reason
// (OutOfcpu, NodeAffinity, ...) and message; the pod's status says "Pod
// was rejected: " and the message, the Warning event the message alone.
type rejection struct {
	reason, message string
}

// statusMessage is the rejected pod's status.message.
func (r *rejection) statusMessage() string { return "Pod was rejected: " + r.message }

// admit is upstream's kubelet admission of a pod it has not started
// (lifecycle's predicate admit handler, its general predicates): the pod
// must be for the node's OS (spec.os and its kubernetes.io/os label), fit
// the node's allocatable beside the pods admitted before it (pods, cpu,
// memory, ephemeral storage, extended resources the node has), match the
// node's labels (nodeSelector and required node affinity), find its host
// ports free, and tolerate the node's NoExecute taints. The scheduler
// checks the same, so it matters for pods bound without it (spec.nodeName
// set at create) and for races. The first failure, in upstream's order, is
// the rejection; nil admits.
func admit(pod *corev1.Pod, node *corev1.Node, admitted []*corev1.Pod) *rejection {
	// First what preemption could not help, as upstream: the pod's OS.
	nodeOS := node.Labels[corev1.LabelOSStable]
	if nodeOS == "" {
		nodeOS = "linux"
	}
	if os, ok := pod.Labels[corev1.LabelOSStable]; ok && os != nodeOS {
		return &rejection{reason: "PodOSSelectorNodeLabelDoesNotMatch",
			message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"}
	}
	if pod.Spec.OS != nil && string(pod.Spec.OS.Name) != nodeOS {
		return &rejection{reason: "PodOSNotSupported", message: "Failed to admit pod as the OS field doesn't match node OS"}
	}
	alloc := framework.NewResource(node.Status.Allocatable)
	// The admitted pods' requests, summed; a NodeInfo would also work out
	// their affinity terms, which admission does not read.
	used := &framework.Resource{}
	for _, p := range admitted {
		used.Plus(framework.PodRequests(p, false))
	}
	req := framework.PodRequests(pod, false)
	out := func(name corev1.ResourceName, want, used, capacity int64) *rejection {
		return &rejection{reason: "OutOf" + string(name), message: fmt.Sprintf(
			"Node didn't have enough resource: %s, requested: %d, used: %d, capacity: %d", name, want, used, capacity)}
	}
	if int64(len(admitted))+1 > alloc.AllowedPodNumber {
		return out(corev1.ResourcePods, 1, int64(len(admitted)), alloc.AllowedPodNumber)
	}
	for _, r := range []struct {
		name                    corev1.ResourceName
		want, used, allocatable int64
	}{
		{corev1.ResourceCPU, req.MilliCPU, used.MilliCPU, alloc.MilliCPU},
		{corev1.ResourceMemory, req.Memory, used.Memory, alloc.Memory},
		{corev1.ResourceEphemeralStorage, req.EphemeralStorage, used.EphemeralStorage, alloc.EphemeralStorage},
	} {
		if r.want > 0 && r.want > r.allocatable-r.used {
			return out(r.name, r.want, r.used, r.allocatable)
		}
	}
	names := make([]corev1.ResourceName, 0, len(req.ScalarResources))
	for name := range req.ScalarResources {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		// As upstream, an extended resource the node does not have at all
		// is not checked (its device plugin may not have registered yet).
		capacity, has := alloc.ScalarResources[name]
		if want := req.ScalarResources[name]; has && want > 0 && want > capacity-used.ScalarResources[name] {
			return out(name, want, used.ScalarResources[name], capacity)
		}
	}
	predicate := func(name, desc string) *rejection {
		return &rejection{reason: name, message: fmt.Sprintf("Predicate %s failed: %s", name, desc)}
	}
	if !nodeaffinity.RequiredMatches(pod, node) {
		return predicate(nodeaffinity.Name, nodeaffinity.ErrReasonPod)
	}
	if len(framework.PodHostPorts(pod)) > 0 && !nodeports.Fits(pod, framework.NewNodeInfo(admitted...)) {
		return predicate(nodeports.Name, nodeports.ErrReason)
	}
	noExecute := func(t *corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute }
	if _, untolerated := framework.FindUntoleratedTaint(node.Spec.Taints, pod.Spec.Tolerations, noExecute); untolerated {
		return predicate("TaintToleration", "node(s) had taints that the pod didn't tolerate")
	}
	return nil
}
