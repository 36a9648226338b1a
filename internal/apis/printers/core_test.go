package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var core = corev1.SchemeGroupVersion

func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, CreationTimestamp: ago(3 * time.Hour)}
}

// TestServiceRow takes cases from upstream's TestPrintService and
// TestPrintServiceLoadBalancer; the server prints the wide form, so long
// load balancer lists are not elided.
func TestServiceRow(t *testing.T) {
	svc := func(typ corev1.ServiceType, spec corev1.ServiceSpec, lb ...corev1.LoadBalancerIngress) *corev1.Service {
		spec.Type = typ
		return &corev1.Service{ObjectMeta: objMeta("svc"), Spec: spec, Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: lb}}}
	}
	tcp80 := []corev1.ServicePort{{Port: 80, Protocol: "TCP"}}
	checkRows(t, core.WithKind("Service"), []rowCase{
		{"cluster ip", svc(corev1.ServiceTypeClusterIP, corev1.ServiceSpec{ClusterIPs: []string{"10.43.0.10"}, Ports: tcp80, Selector: map[string]string{"app": "web"}}),
			[]interface{}{"svc", "ClusterIP", "10.43.0.10", "<none>", "80/TCP", "3h", "app=web"}},
		{"node port", svc(corev1.ServiceTypeNodePort, corev1.ServiceSpec{ClusterIPs: []string{"10.43.0.11"}, Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: "TCP"}, {Port: 53, Protocol: "UDP"}}}),
			[]interface{}{"svc", "NodePort", "10.43.0.11", "<none>", "80:30080/TCP,53/UDP", "3h", "<none>"}},
		{"external ips", svc(corev1.ServiceTypeClusterIP, corev1.ServiceSpec{ClusterIPs: []string{"10.1.1.1"}, ExternalIPs: []string{"1.2.3.4", "5.6.7.8"}, Ports: tcp80}),
			[]interface{}{"svc", "ClusterIP", "10.1.1.1", "1.2.3.4,5.6.7.8", "80/TCP", "3h", "<none>"}},
		{"headless without ports", svc(corev1.ServiceTypeClusterIP, corev1.ServiceSpec{ClusterIPs: []string{"None"}}),
			[]interface{}{"svc", "ClusterIP", "None", "<none>", "<none>", "3h", "<none>"}},
		{"no cluster ip", svc(corev1.ServiceTypeClusterIP, corev1.ServiceSpec{Ports: tcp80}),
			[]interface{}{"svc", "ClusterIP", "<none>", "<none>", "80/TCP", "3h", "<none>"}},
		{"load balancer pending", svc(corev1.ServiceTypeLoadBalancer, corev1.ServiceSpec{ClusterIPs: []string{"1.3.4.5"}, Ports: []corev1.ServicePort{{Port: 80, Protocol: "TCP"}, {Port: 8090, Protocol: "UDP"}, {Port: 8000, Protocol: "TCP"}, {Port: 7777, Protocol: "SCTP"}}}),
			[]interface{}{"svc", "LoadBalancer", "1.3.4.5", "<pending>", "80/TCP,8090/UDP,8000/TCP,7777/SCTP", "3h", "<none>"}},
		{"load balancer ips sorted, hostname only without ip", svc(corev1.ServiceTypeLoadBalancer, corev1.ServiceSpec{ClusterIPs: []string{"1.5.6.7"}, Ports: tcp80},
			corev1.LoadBalancerIngress{IP: "3.4.5.6"}, corev1.LoadBalancerIngress{IP: "2.3.4.5"}, corev1.LoadBalancerIngress{IP: "5.6.7.8", Hostname: "host5678"}),
			[]interface{}{"svc", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5.6,5.6.7.8", "80/TCP", "3h", "<none>"}},
		{"load balancer with external ips", svc(corev1.ServiceTypeLoadBalancer, corev1.ServiceSpec{ClusterIPs: []string{"1.5.6.7"}, ExternalIPs: []string{"9.9.9.9"}, Ports: tcp80},
			corev1.LoadBalancerIngress{Hostname: "lb.example.com"}),
			[]interface{}{"svc", "LoadBalancer", "1.5.6.7", "lb.example.com,9.9.9.9", "80/TCP", "3h", "<none>"}},
		{"external name", svc(corev1.ServiceTypeExternalName, corev1.ServiceSpec{ExternalName: "my.database.example.com"}),
			[]interface{}{"svc", "ExternalName", "<none>", "my.database.example.com", "<none>", "3h", "<none>"}},
		{"no type", svc("", corev1.ServiceSpec{}),
			[]interface{}{"svc", "", "<none>", "<unknown>", "<none>", "3h", "<none>"}},
	})
}

// TestNodeRow takes cases from upstream's TestPrintNodeStatus, ...Role and
// ...OSImage.
func TestNodeRow(t *testing.T) {
	node := func(labels map[string]string, unschedulable bool, conds ...corev1.NodeCondition) *corev1.Node {
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "foo", Labels: labels, CreationTimestamp: ago(50 * time.Hour)},
			Spec:       corev1.NodeSpec{Unschedulable: unschedulable},
			Status:     corev1.NodeStatus{Conditions: conds},
		}
	}
	ready := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue}
	notReady := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionFalse}
	wideUnknown := []interface{}{"<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}
	row := func(status, roles string) []interface{} {
		return append([]interface{}{"foo", status, roles, "2d2h", ""}, wideUnknown...)
	}
	full := node(nil, false, ready)
	full.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.33.0", OSImage: "Debian GNU/Linux 13", KernelVersion: "6.12.0", ContainerRuntimeVersion: "containerd://2.1.0"}
	full.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "foo"}, {Type: corev1.NodeInternalIP, Address: "10.0.0.2"}, {Type: corev1.NodeExternalIP, Address: "203.0.113.9"}, {Type: corev1.NodeInternalIP, Address: "10.0.0.3"}}
	checkRows(t, core.WithKind("Node"), []rowCase{
		{"ready", node(nil, false, ready), row("Ready", "<none>")},
		{"ready, cordoned", node(nil, true, ready), row("Ready,SchedulingDisabled", "<none>")},
		{"last ready condition wins", node(nil, false, ready, notReady), row("NotReady", "<none>")},
		{"not ready, cordoned", node(nil, true, notReady), row("NotReady,SchedulingDisabled", "<none>")},
		{"no conditions", node(nil, false), row("Unknown", "<none>")},
		{"no conditions, cordoned", node(nil, true), row("Unknown,SchedulingDisabled", "<none>")},
		{"other conditions only", node(nil, false, corev1.NodeCondition{Type: "InvalidValue", Status: corev1.ConditionTrue}), row("Unknown", "<none>")},
		{"roles from labels, sorted", node(map[string]string{"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "node", "node-role.kubernetes.io/": "x"}, false, ready),
			row("Ready", "control-plane,node,worker")},
		{"wide cells", full, []interface{}{"foo", "Ready", "<none>", "2d2h", "v1.33.0", "10.0.0.2", "203.0.113.9", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"}},
	})
}

func TestSmallCoreRows(t *testing.T) {
	checkRows(t, core.WithKind("Namespace"), []rowCase{
		{"active", &corev1.Namespace{ObjectMeta: objMeta("default"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}, []interface{}{"default", "Active", "3h"}},
		{"terminating", &corev1.Namespace{ObjectMeta: objMeta("old"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}, []interface{}{"old", "Terminating", "3h"}},
	})
	checkRows(t, core.WithKind("Secret"), []rowCase{
		{"opaque", &corev1.Secret{ObjectMeta: objMeta("s"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"a": nil, "b": nil}}, []interface{}{"s", "Opaque", int64(2), "3h"}},
		{"tls", &corev1.Secret{ObjectMeta: objMeta("tls"), Type: corev1.SecretTypeTLS}, []interface{}{"tls", "kubernetes.io/tls", int64(0), "3h"}},
	})
	checkRows(t, core.WithKind("ConfigMap"), []rowCase{
		{"data and binary data", &corev1.ConfigMap{ObjectMeta: objMeta("cm"), Data: map[string]string{"a": "1"}, BinaryData: map[string][]byte{"b": nil}}, []interface{}{"cm", int64(2), "3h"}},
	})
	checkRows(t, core.WithKind("ServiceAccount"), []rowCase{
		{"no secrets", &corev1.ServiceAccount{ObjectMeta: objMeta("default")}, []interface{}{"default", int64(0), "3h"}},
		{"one secret", &corev1.ServiceAccount{ObjectMeta: objMeta("sa"), Secrets: []corev1.ObjectReference{{Name: "tok"}}}, []interface{}{"sa", int64(1), "3h"}},
	})
	checkRows(t, core.WithKind("ResourceQuota"), []rowCase{
		{"requests and limits", &corev1.ResourceQuota{ObjectMeta: objMeta("quota"), Status: corev1.ResourceQuotaStatus{
			Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "requests.cpu": resource.MustParse("1"), "limits.memory": resource.MustParse("2Gi"), "limits.cpu": resource.MustParse("2")},
			Used: corev1.ResourceList{"pods": resource.MustParse("3"), "requests.cpu": resource.MustParse("500m"), "limits.cpu": resource.MustParse("1")},
		}}, []interface{}{"quota", "pods: 3/10, requests.cpu: 500m/1", "limits.cpu: 1/2, limits.memory: 0/2Gi", "3h"}},
		{"empty", &corev1.ResourceQuota{ObjectMeta: objMeta("q")}, []interface{}{"q", "", "", "3h"}},
	})
	checkRows(t, core.WithKind("ReplicationController"), []rowCase{
		{"with template", &corev1.ReplicationController{ObjectMeta: objMeta("rc"),
			Spec: corev1.ReplicationControllerSpec{Replicas: ptr(int32(5)), Selector: map[string]string{"a": "b"},
				Template: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}}}},
			Status: corev1.ReplicationControllerStatus{Replicas: 5, ReadyReplicas: 3}},
			[]interface{}{"rc", int64(5), int64(5), int64(3), "3h", "c", "img", "a=b"}},
		{"no template", &corev1.ReplicationController{ObjectMeta: objMeta("rc")}, []interface{}{"rc", int64(0), int64(0), int64(0), "3h", "", "", "<none>"}},
	})
}

// TestEndpointsRow takes cases from upstream's TestPrintEndpoint.
func TestEndpointsRow(t *testing.T) {
	addrs := func(ips ...string) []corev1.EndpointAddress {
		out := make([]corev1.EndpointAddress, len(ips))
		for i, ip := range ips {
			out[i].IP = ip
		}
		return out
	}
	ep := func(subsets ...corev1.EndpointSubset) *corev1.Endpoints {
		return &corev1.Endpoints{ObjectMeta: objMeta("ep"), Subsets: subsets}
	}
	checkRows(t, core.WithKind("Endpoints"), []rowCase{
		{"no subsets", ep(), []interface{}{"ep", "<none>", "3h"}},
		{"one address one port", ep(corev1.EndpointSubset{Addresses: addrs("1.2.3.4"), Ports: []corev1.EndpointPort{{Port: 8001}}}), []interface{}{"ep", "1.2.3.4:8001", "3h"}},
		{"headless without ports", ep(corev1.EndpointSubset{Addresses: addrs("1.2.3.4", "5.6.7.8")}), []interface{}{"ep", "1.2.3.4,5.6.7.8", "3h"}},
		{"ipv6", ep(corev1.EndpointSubset{Addresses: addrs("fd00::1"), Ports: []corev1.EndpointPort{{Port: 80}}}), []interface{}{"ep", "[fd00::1]:80", "3h"}},
		{"more than three", ep(
			corev1.EndpointSubset{Addresses: addrs("1.2.3.4", "5.6.7.8"), Ports: []corev1.EndpointPort{{Port: 8001}, {Port: 8002}}},
			corev1.EndpointSubset{Addresses: addrs("9.8.7.6"), Ports: []corev1.EndpointPort{{Port: 8003}}},
		), []interface{}{"ep", "1.2.3.4:8001,5.6.7.8:8001,1.2.3.4:8002 + 2 more...", "3h"}},
	})
}

// TestEventRow takes cases from upstream's TestPrintEvent; events of both
// API groups print alike.
func TestEventRow(t *testing.T) {
	classic := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "event1"},
		Source:         corev1.EventSource{Component: "kubelet", Host: "node1"},
		Message:        "Item 1\n",
		FirstTimestamp: ago(48 * time.Hour),
		LastTimestamp:  ago(5 * time.Hour),
		Count:          6,
		Type:           corev1.EventTypeNormal,
		Reason:         "Pulled",
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1", FieldPath: "spec.containers{web}"},
	}
	series := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "event2"},
		ReportingController: "kubelet",
		ReportingInstance:   "node2",
		Message:             "Back-off",
		EventTime:           metav1.NewMicroTime(now.Add(-10 * time.Minute)),
		Series:              &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(now.Add(-30 * time.Second))},
		Type:                corev1.EventTypeWarning,
		Reason:              "BackOff",
		InvolvedObject:      corev1.ObjectReference{Kind: "Node"},
	}
	singleton := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "event3"},
		EventTime:           metav1.NewMicroTime(now.Add(-5 * time.Second)),
		ReportingController: "skiff-scheduler",
		Type:                corev1.EventTypeNormal,
		Reason:              "Scheduled",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Name: "web-2"},
		Note:                "Successfully assigned default/web-2 to node1",
	}
	checkRows(t, core.WithKind("Event"), []rowCase{
		{"classic event", classic, []interface{}{"5h", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node1", "Item 1", "2d", int64(6), "event1"}},
		{"series event", series, []interface{}{"30s", "Warning", "BackOff", "node", "", "kubelet, node2", "Back-off", "10m", int64(4), "event2"}},
		{"no timestamps", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e"}}, []interface{}{"<unknown>", "", "", "", "", "", "", "<unknown>", int64(1), "e"}},
	})
	checkRows(t, eventsv1.SchemeGroupVersion.WithKind("Event"), []rowCase{
		{"events.k8s.io singleton", singleton, []interface{}{"5s", "Normal", "Scheduled", "pod/web-2", "", "skiff-scheduler", "Successfully assigned default/web-2 to node1", "5s", int64(1), "event3"}},
		{"core event through the events group", classic, []interface{}{"5h", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node1", "Item 1", "2d", int64(6), "event1"}},
	})
}
