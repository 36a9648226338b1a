package endpoint

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/controller/servicepods"
)

// maxCapacity is how many addresses one Endpoints may hold (upstream's
// maxCapacity).
const maxCapacity = 1000

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

// primaryFamily is the Service's first IP family, IPv4 when unset.
func primaryFamily(svc *corev1.Service) corev1.IPFamily {
	if len(svc.Spec.IPFamilies) > 0 {
		return svc.Spec.IPFamilies[0]
	}
	return corev1.IPv4Protocol
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
		if !servicepods.Include(pod, publish) {
			continue
		}
		ip := servicepods.IP(pod, primaryFamily(svc))
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
		if publish || servicepods.Ready(pod) {
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
		n, err := servicepods.TargetPort(pod, sp)
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
