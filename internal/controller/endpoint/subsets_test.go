package endpoint

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testPod(name, ip string, ready bool, ports ...corev1.ContainerPort) *corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}},
	}
}

func service(publish bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "svc"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "x"}, Ports: ports, PublishNotReadyAddresses: publish},
	}
}

// render prints subsets as "ready|notready|ports; ..." for comparison.
func render(subsets []corev1.EndpointSubset) string {
	var parts []string
	for _, s := range subsets {
		var r, n, p []string
		for _, a := range s.Addresses {
			r = append(r, a.IP)
		}
		for _, a := range s.NotReadyAddresses {
			n = append(n, a.IP)
		}
		for _, x := range s.Ports {
			p = append(p, fmt.Sprintf("%s:%d", x.Name, x.Port))
		}
		parts = append(parts, strings.Join(r, ",")+"|"+strings.Join(n, ",")+"|"+strings.Join(p, ","))
	}
	return strings.Join(parts, "; ")
}

func TestBuildSubsets(t *testing.T) {
	httpNamed := corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")}
	numbered := corev1.ServicePort{Name: "metrics", Port: 9000, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9100)}
	web := func(n int32) corev1.ContainerPort {
		return corev1.ContainerPort{Name: "web", ContainerPort: n, Protocol: corev1.ProtocolTCP}
	}
	now := metav1.NewTime(time.Unix(0, 0))
	terminating := testPod("t", "10.0.0.9", true, web(8080))
	terminating.DeletionTimestamp = &now
	done := testPod("done", "10.0.0.8", false, web(8080))
	done.Spec.RestartPolicy, done.Status.Phase = corev1.RestartPolicyNever, corev1.PodSucceeded
	headless := service(false)
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	tests := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want string
	}{
		{name: "ready and not ready", svc: service(false, httpNamed),
			pods: []*corev1.Pod{testPod("a", "10.0.0.2", true, web(8080)), testPod("b", "10.0.0.1", false, web(8080))},
			want: "10.0.0.2|10.0.0.1|http:8080"},
		{name: "named port resolved per pod", svc: service(false, httpNamed),
			pods: []*corev1.Pod{testPod("a", "10.0.0.1", true, web(8080)), testPod("b", "10.0.0.2", true, web(9090))},
			want: "10.0.0.1||http:8080; 10.0.0.2||http:9090"},
		{name: "pod without the named port is left out of that port", svc: service(false, httpNamed, numbered),
			pods: []*corev1.Pod{testPod("a", "10.0.0.1", true, web(8080)), testPod("b", "10.0.0.2", true)},
			want: "10.0.0.1||http:8080,metrics:9100; 10.0.0.2||metrics:9100"},
		{name: "no IP yet", svc: service(false, numbered), pods: []*corev1.Pod{testPod("a", "", true)}, want: ""},
		{name: "terminating pods are dropped", svc: service(false, httpNamed), pods: []*corev1.Pod{terminating}, want: ""},
		{name: "publishNotReadyAddresses keeps terminating and not ready as ready", svc: service(true, httpNamed),
			pods: []*corev1.Pod{terminating, testPod("b", "10.0.0.1", false, web(8080))},
			want: "10.0.0.1,10.0.0.9||http:8080"},
		{name: "finished pods that do not restart are dropped", svc: service(false, httpNamed), pods: []*corev1.Pod{done}, want: ""},
		{name: "headless without ports", svc: headless, pods: []*corev1.Pod{testPod("a", "10.0.0.1", true)}, want: "10.0.0.1||"},
		{name: "non-headless without ports gets nothing", svc: service(false), pods: []*corev1.Pod{testPod("a", "10.0.0.1", true)}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated := buildSubsets(tt.svc, tt.pods)
			if r := render(got); r != tt.want || truncated {
				t.Errorf("buildSubsets = %q (truncated %v); want %q", r, truncated, tt.want)
			}
		})
	}
}

func TestHostnameAndTargetRef(t *testing.T) {
	svc := service(false, corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP})
	p := testPod("a", "10.0.0.1", true)
	p.Spec.Hostname, p.Spec.Subdomain = "web-0", "svc"
	other := testPod("b", "10.0.0.2", true)
	other.Spec.Hostname, other.Spec.Subdomain = "web-1", "elsewhere"
	got, _ := buildSubsets(svc, []*corev1.Pod{p, other})
	if len(got) != 1 || len(got[0].Addresses) != 2 {
		t.Fatalf("buildSubsets = %s; want one subset of 2", render(got))
	}
	a, b := got[0].Addresses[0], got[0].Addresses[1]
	if a.Hostname != "web-0" || b.Hostname != "" {
		t.Errorf("hostnames = %q, %q; want web-0 and none", a.Hostname, b.Hostname)
	}
	if a.TargetRef == nil || a.TargetRef.Name != "a" || a.TargetRef.UID != "uid-a" || a.NodeName == nil || *a.NodeName != "node-1" {
		t.Errorf("address = %+v; want targetRef to pod a and nodeName node-1", a)
	}
}

func TestTruncate(t *testing.T) {
	svc := service(false, corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP})
	var pods []*corev1.Pod
	for i := range 1200 {
		pods = append(pods, testPod(fmt.Sprint(i), fmt.Sprintf("10.1.%d.%d", i/250, i%250), i%2 == 0))
	}
	got, truncated := buildSubsets(svc, pods)
	if !truncated {
		t.Fatalf("truncated = false; want true")
	}
	ready, notReady := len(got[0].Addresses), len(got[0].NotReadyAddresses)
	if ready+notReady != maxCapacity || ready != 600 {
		t.Errorf("kept %d ready + %d not ready; want all 600 ready and %d in all", ready, notReady, maxCapacity)
	}
	if got, truncated := buildSubsets(svc, pods[:maxCapacity]); truncated || len(got[0].Addresses)+len(got[0].NotReadyAddresses) != maxCapacity {
		t.Errorf("exactly %d addresses: truncated %v; want all kept", maxCapacity, truncated)
	}
}
