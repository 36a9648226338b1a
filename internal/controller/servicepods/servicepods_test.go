package servicepods

import (
	"reflect"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"
)

func pod(name string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func TestServicesOf(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, s := range []*corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-canary"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web", "track": "canary"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "manual"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "all"}, Spec: corev1.ServiceSpec{Selector: map[string]string{}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "web"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}},
	} {
		if err := idx.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	servicesOf := ServicesOf(idx)
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{name: "no labels: only the empty selector", want: []string{"all"}},
		{name: "app=web: its namespace's web and the empty selector; not the selector-less one",
			labels: map[string]string{"app": "web"}, want: []string{"all", "web"}},
		{name: "canary matches both", labels: map[string]string{"app": "web", "track": "canary"}, want: []string{"all", "web", "web-canary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range servicesOf(&metav1.ObjectMeta{Namespace: "ns", Name: "p", Labels: tt.labels}) {
				if r.Namespace != "ns" {
					t.Errorf("ServicesOf(%v) gave %v; want only namespace ns", tt.labels, r)
				}
				got = append(got, r.Name)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ServicesOf(%v) = %v; want %v", tt.labels, got, tt.want)
			}
		})
	}
}

func TestInclude(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name                  string
		pod                   *corev1.Pod
		terminating           bool
		want, wantTerminating bool
	}{
		{name: "running with an IP", pod: pod("a", nil), want: true, wantTerminating: true},
		{name: "no IP", pod: pod("a", func(p *corev1.Pod) { p.Status.PodIP = "" })},
		{name: "only podIPs", pod: pod("a", func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", []corev1.PodIP{{IP: "fd00::1"}} }),
			want: true, wantTerminating: true},
		{name: "terminating", pod: pod("a", func(p *corev1.Pod) { p.DeletionTimestamp = &now }), wantTerminating: true},
		{name: "Never pod failed", pod: pod("a", func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyNever, corev1.PodFailed
		})},
		{name: "Never pod succeeded", pod: pod("a", func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyNever, corev1.PodSucceeded
		})},
		{name: "OnFailure pod failed may restart", pod: pod("a", func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyOnFailure, corev1.PodFailed
		}), want: true, wantTerminating: true},
		{name: "OnFailure pod succeeded", pod: pod("a", func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyOnFailure, corev1.PodSucceeded
		})},
		{name: "Always pod failed restarts", pod: pod("a", func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyAlways, corev1.PodFailed
		}),
			want: true, wantTerminating: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Include(tt.pod, false); got != tt.want {
				t.Errorf("Include(pod, false) = %v; want %v", got, tt.want)
			}
			if got := Include(tt.pod, true); got != tt.wantTerminating {
				t.Errorf("Include(pod, true) = %v; want %v", got, tt.wantTerminating)
			}
		})
	}
}

func TestIP(t *testing.T) {
	tests := []struct {
		name           string
		podIP          string
		podIPs         []string
		wantV4, wantV6 string
	}{
		{name: "v4 only", podIP: "10.0.0.1", podIPs: []string{"10.0.0.1"}, wantV4: "10.0.0.1"},
		{name: "dual stack", podIP: "10.0.0.1", podIPs: []string{"10.0.0.1", "fd00::1"}, wantV4: "10.0.0.1", wantV6: "fd00::1"},
		{name: "v6 primary", podIP: "fd00::1", podIPs: []string{"fd00::1", "10.0.0.1"}, wantV4: "10.0.0.1", wantV6: "fd00::1"},
		{name: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("a", func(p *corev1.Pod) {
				p.Status.PodIP = tt.podIP
				for _, ip := range tt.podIPs {
					p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
				}
			})
			if v4, v6 := IP(p, corev1.IPv4Protocol), IP(p, corev1.IPv6Protocol); v4 != tt.wantV4 || v6 != tt.wantV6 {
				t.Errorf("IP(%s %v) = v4 %q v6 %q; want %q %q", tt.podIP, tt.podIPs, v4, v6, tt.wantV4, tt.wantV6)
			}
		})
	}
}

func TestTargetPort(t *testing.T) {
	p := pod("a", func(p *corev1.Pod) {
		p.Spec.Containers = []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
		}}}
	})
	tests := []struct {
		name    string
		sp      corev1.ServicePort
		want    int32
		wantErr bool
	}{
		{name: "number", sp: corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9090)}, want: 9090},
		{name: "unset: the service port", sp: corev1.ServicePort{Port: 80}, want: 80},
		{name: "name", sp: corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}, want: 8080},
		{name: "name with the other protocol", sp: corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("dns")}, wantErr: true},
		{name: "unknown name", sp: corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("grpc")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TargetPort(p, &tt.sp)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("TargetPort(%s %s) = %d, %v; want %d, error %v", tt.sp.TargetPort.String(), tt.sp.Protocol, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestTriggerTracker(t *testing.T) {
	t1, t2 := time.Unix(100, 0), time.Unix(200, 0)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "svc", CreationTimestamp: metav1.NewTime(t1)}}
	p := pod("a", func(p *corev1.Pod) {
		p.ResourceVersion = "1"
		p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t2)
	})
	tr := NewTriggerTracker()
	got, written := tr.Compute("ns/svc", svc, []*corev1.Pod{p})
	if !got.Equal(t1) {
		t.Errorf("first trigger = %s; want the service creation %s", got, t1)
	}
	if got, _ := tr.Compute("ns/svc", svc, []*corev1.Pod{p}); !got.Equal(t1) {
		t.Errorf("trigger after a failed write = %s; want it kept at %s", got, t1)
	}
	written()
	if got, _ := tr.Compute("ns/svc", svc, []*corev1.Pod{p}); !got.IsZero() {
		t.Errorf("trigger with nothing changed = %s; want zero", got)
	}
	q := p.DeepCopy()
	q.ResourceVersion = "2"
	q.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t2.Add(time.Minute))
	if got, _ := tr.Compute("ns/svc", svc, []*corev1.Pod{q}); !got.Equal(t2.Add(time.Minute)) {
		t.Errorf("trigger after a readiness change = %s; want %s", got, t2.Add(time.Minute))
	}
	q.ResourceVersion = "3" // same transition time (whole seconds): still a change
	if got, _ := tr.Compute("ns/svc", svc, []*corev1.Pod{q}); !got.Equal(t2.Add(time.Minute)) {
		t.Errorf("trigger after a change within the second = %s; want %s", got, t2.Add(time.Minute))
	}
	recreated := svc.DeepCopy()
	recreated.CreationTimestamp = metav1.NewTime(t1.Add(time.Second))
	if got, _ := tr.Compute("ns/svc", recreated, []*corev1.Pod{p}); !got.Equal(t1.Add(time.Second)) {
		t.Errorf("trigger of a recreated service = %s; want its creation %s", got, t1.Add(time.Second))
	}
	tr.Forget("ns/svc")
	if got, _ := tr.Compute("ns/svc", svc, []*corev1.Pod{p}); !got.Equal(t1) {
		t.Errorf("trigger after Forget = %s; want the service creation %s", got, t1)
	}
}
