package endpointslice

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestEndpointConditions(t *testing.T) {
	now := metav1.NewTime(time.Unix(0, 0))
	tests := []struct {
		name                             string
		ready, deleting, publish         bool
		wantReady, wantServing, wantTerm bool
	}{
		{name: "ready", ready: true, wantReady: true, wantServing: true},
		{name: "not ready", ready: false},
		{name: "terminating and still ready: serving", ready: true, deleting: true, wantServing: true, wantTerm: true},
		{name: "terminating, not ready", deleting: true, wantTerm: true},
		{name: "publishNotReadyAddresses: always ready", publish: true, deleting: true, wantReady: true, wantTerm: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := corev1.ConditionFalse
			if tt.ready {
				st = corev1.ConditionTrue
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u"},
				Spec:   corev1.PodSpec{NodeName: "n1"},
				Status: corev1.PodStatus{PodIP: "10.0.0.1", Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
			if tt.deleting {
				pod.DeletionTimestamp = &now
			}
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"}, Spec: corev1.ServiceSpec{PublishNotReadyAddresses: tt.publish}}
			ep := endpointFor(pod, svc, "10.0.0.1", "zone-a")
			c := ep.Conditions
			if *c.Ready != tt.wantReady || *c.Serving != tt.wantServing || *c.Terminating != tt.wantTerm {
				t.Errorf("conditions ready=%v serving=%v terminating=%v; want %v %v %v", *c.Ready, *c.Serving, *c.Terminating, tt.wantReady, tt.wantServing, tt.wantTerm)
			}
			if *ep.NodeName != "n1" || *ep.Zone != "zone-a" || ep.TargetRef.Name != "p" {
				t.Errorf("endpoint = nodeName %s zone %s targetRef %v; want n1, zone-a, pod p", *ep.NodeName, *ep.Zone, ep.TargetRef)
			}
		})
	}
}

func TestPodPortsNamedPerPod(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")},
		{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("web")},
	}}}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{
		{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
	}}}}}
	got := podPorts(pod, svc)
	if len(got) != 1 || *got[0].Name != "http" || *got[0].Port != 8080 {
		t.Errorf("podPorts = %d ports; want only http:8080 (the UDP port has no UDP container port)", len(got))
	}
}
