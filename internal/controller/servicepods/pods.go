package servicepods

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// ServicesOf returns a controller.MapHandler function that maps a pod to
// the Services in its namespace whose (non-nil) selector matches its
// labels, read from services, a Service informer's indexer.
func ServicesOf(services cache.Indexer) func(pod metav1.Object) []controller.Request {
	return func(pod metav1.Object) []controller.Request {
		var out []controller.Request
		for _, s := range controller.InNamespace[*corev1.Service](services, pod.GetNamespace()) {
			if s.Spec.Selector != nil && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.GetLabels())) {
				out = append(out, controller.Request{Namespace: s.Namespace, Name: s.Name})
			}
		}
		return out
	}
}

// Include reports whether pod belongs in a Service's endpoints, as
// upstream's ShouldPodBeInEndpoints: it has an IP, is not being deleted
// (unless includeTerminating) and has not finished for good (a Never pod
// that failed or succeeded, an OnFailure pod that succeeded).
func Include(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	if !includeTerminating && pod.DeletionTimestamp != nil {
		return false
	}
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded
	case corev1.RestartPolicyOnFailure:
		return pod.Status.Phase != corev1.PodSucceeded
	}
	return true
}

// Ready reports whether the pod's Ready condition is True.
func Ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// IP returns the pod's first IP of family (status.podIP, then
// status.podIPs), or "".
func IP(pod *corev1.Pod, family corev1.IPFamily) string {
	v6 := family == corev1.IPv6Protocol
	if ip := pod.Status.PodIP; ip != "" && strings.Contains(ip, ":") == v6 {
		return ip
	}
	for _, ip := range pod.Status.PodIPs {
		if ip.IP != "" && strings.Contains(ip.IP, ":") == v6 {
			return ip.IP
		}
	}
	return ""
}

// TargetPort resolves a Service port's targetPort in pod, as upstream's
// FindPort: a number is taken as is, a name is looked up among the
// container ports with the same protocol, and no targetPort means the
// Service port itself.
func TargetPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && p.Protocol == sp.Protocol {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no container port named %q with protocol %s", tp.StrVal, sp.Protocol)
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, nil
	}
	return sp.Port, nil
}
