package endpoint

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// maxCapacity is how many addresses one Endpoints may hold (upstream's
// maxCapacity).
const maxCapacity = 1000

// shouldInclude reports whether pod belongs in the Endpoints of a Service,
// as upstream's ShouldPodBeInEndpoints.
func shouldInclude(pod *corev1.Pod, includeTerminating bool) bool {
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

// podReady reports whether the pod's Ready condition is True.
func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podIP returns the pod's IP of the Service's primary family.
func podIP(pod *corev1.Pod, svc *corev1.Service) string {
	wantV6 := len(svc.Spec.IPFamilies) > 0 && svc.Spec.IPFamilies[0] == corev1.IPv6Protocol
	ips := []string{pod.Status.PodIP}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	for _, ip := range ips {
		if ip != "" && strings.Contains(ip, ":") == wantV6 {
			return ip
		}
	}
	return ""
}

// findPort resolves a Service port's targetPort in pod: a number is taken
// as is, a name is looked up among the container ports with the same
// protocol.
func findPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
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

// address is the Endpoints address of a pod.
func address(pod *corev1.Pod, svc *corev1.Service, ip string) corev1.EndpointAddress {
	a := corev1.EndpointAddress{
		IP:        ip,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		n := pod.Spec.NodeName
		a.NodeName = &n
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		a.Hostname = pod.Spec.Hostname
	}
	return a
}

type group struct {
	ports           []corev1.EndpointPort
	ready, notReady []corev1.EndpointAddress
}

// buildSubsets returns the subsets of svc's Endpoints from the pods its
// selector matches, packed by identical port sets and sorted, and whether
// they were truncated to maxCapacity addresses.
func buildSubsets(svc *corev1.Service, pods []*corev1.Pod) (subsets []corev1.EndpointSubset, truncated bool) {
	publish := svc.Spec.PublishNotReadyAddresses
	groups := map[string]*group{}
	for _, pod := range pods {
		if !shouldInclude(pod, publish) {
			continue
		}
		ip := podIP(pod, svc)
		if ip == "" {
			continue
		}
		ports, ok := podPorts(pod, svc)
		if !ok {
			continue
		}
		key := portsKey(ports)
		g := groups[key]
		if g == nil {
			g = &group{ports: ports}
			groups[key] = g
		}
		a := address(pod, svc, ip)
		if publish || podReady(pod) {
			g.ready = append(g.ready, a)
		} else {
			g.notReady = append(g.notReady, a)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		sortAddresses(g.ready)
		sortAddresses(g.notReady)
		subsets = append(subsets, corev1.EndpointSubset{Addresses: g.ready, NotReadyAddresses: g.notReady, Ports: g.ports})
	}
	return truncate(subsets)
}

// podPorts resolves every Service port for pod; ok is false when the pod
// serves none of them. A headless Service without ports gives no ports
// and ok.
func podPorts(pod *corev1.Pod, svc *corev1.Service) ([]corev1.EndpointPort, bool) {
	if len(svc.Spec.Ports) == 0 {
		return nil, svc.Spec.ClusterIP == corev1.ClusterIPNone
	}
	var out []corev1.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := findPort(pod, sp)
		if err != nil {
			continue
		}
		out = append(out, corev1.EndpointPort{Name: sp.Name, Port: n, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol})
	}
	sort.Slice(out, func(i, j int) bool { return portKey(out[i]) < portKey(out[j]) })
	return out, len(out) > 0
}

func portKey(p corev1.EndpointPort) string {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, app)
}

func portsKey(ports []corev1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		b.WriteString(portKey(p))
		b.WriteByte(',')
	}
	return b.String()
}

func sortAddresses(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return a[i].TargetRef.UID < a[j].TargetRef.UID
	})
}

// truncate keeps at most maxCapacity addresses, ready ones first, taken
// from each subset in proportion to its size, as upstream.
func truncate(subsets []corev1.EndpointSubset) ([]corev1.EndpointSubset, bool) {
	total := 0
	for _, s := range subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= maxCapacity {
		return subsets, false
	}
	left := maxCapacity
	for i := range subsets {
		s := &subsets[i]
		n := len(s.Addresses) + len(s.NotReadyAddresses)
		keep := n * maxCapacity / total
		if i == len(subsets)-1 || keep > left {
			keep = left
		}
		keep = min(keep, n)
		left -= keep
		if keep <= len(s.Addresses) {
			s.Addresses, s.NotReadyAddresses = s.Addresses[:keep], nil
			continue
		}
		s.NotReadyAddresses = s.NotReadyAddresses[:keep-len(s.Addresses)]
	}
	out := subsets[:0]
	for _, s := range subsets {
		if len(s.Addresses)+len(s.NotReadyAddresses) > 0 {
			out = append(out, s)
		}
	}
	return out, true
}
