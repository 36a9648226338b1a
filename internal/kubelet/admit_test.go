package kubelet

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAdmit(t *testing.T) {
	node := func() *corev1.Node {
		alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi"),
			corev1.ResourcePods: resource.MustParse("3"), "example.com/gpu": resource.MustParse("1")}
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"disk": "ssd"}},
			Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: "dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Allocatable: alloc}}
	}
	pod := func(cpu string, opts ...func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "i",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}}}
		for _, o := range opts {
			o(p)
		}
		return p
	}
	hostPort := func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	}
	tests := []struct {
		name       string
		pod        *corev1.Pod
		admitted   []*corev1.Pod
		taint      *corev1.Taint
		wantReason string
		wantMsg    string
	}{
		{name: "fits", pod: pod("1"), admitted: []*corev1.Pod{pod("500m")}},
		{name: "windows pod", pod: pod("1m", func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: corev1.Windows} }),
			wantReason: "PodOSNotSupported", wantMsg: "Pod was rejected: Failed to admit pod as the OS field doesn't match node OS"},
		{name: "windows label", pod: pod("1m", func(p *corev1.Pod) { p.Labels = map[string]string{corev1.LabelOSStable: "windows"} }),
			wantReason: "PodOSSelectorNodeLabelDoesNotMatch", wantMsg: "Pod was rejected: Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"},
		{name: "linux pod", pod: pod("1m", func(p *corev1.Pod) {
			p.Spec.OS = &corev1.PodOS{Name: corev1.Linux}
			p.Labels = map[string]string{corev1.LabelOSStable: "linux"}
		})},
		{name: "out of cpu", pod: pod("1"), admitted: []*corev1.Pod{pod("1500m")}, wantReason: "OutOfcpu",
			wantMsg: "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000"},
		{name: "out of pods", pod: pod("1m"), admitted: []*corev1.Pod{pod("1m"), pod("1m"), pod("1m")}, wantReason: "OutOfpods",
			wantMsg: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3"},
		{name: "extended resource short", pod: pod("1m", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests["example.com/gpu"] = resource.MustParse("2")
		}), wantReason: "OutOfexample.com/gpu",
			wantMsg: "Pod was rejected: Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1"},
		{name: "extended resource the node lacks is not checked", pod: pod("1m", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests["example.com/fpga"] = resource.MustParse("1")
		})},
		{name: "node selector", pod: pod("1m", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "hdd"} }),
			wantReason: "NodeAffinity", wantMsg: "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"},
		{name: "host port taken", pod: pod("1m", hostPort), admitted: []*corev1.Pod{pod("1m", hostPort)},
			wantReason: "NodePorts", wantMsg: "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports"},
		{name: "NoSchedule taint is the scheduler's business", pod: pod("1m")},
		{name: "untolerated NoExecute taint", pod: pod("1m"), taint: &corev1.Taint{Key: "evict", Effect: corev1.TaintEffectNoExecute},
			wantReason: "TaintToleration", wantMsg: "Pod was rejected: Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate"},
		{name: "tolerated NoExecute taint", pod: pod("1m", func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "evict", Operator: corev1.TolerationOpExists}}
		}), taint: &corev1.Taint{Key: "evict", Effect: corev1.TaintEffectNoExecute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := node()
			if tt.taint != nil {
				n.Spec.Taints = append(n.Spec.Taints, *tt.taint)
			}
			r := admit(tt.pod, n, tt.admitted)
			switch {
			case tt.wantReason == "" && r != nil:
				t.Errorf("admit = %+v; want admitted", r)
			case tt.wantReason != "" && (r == nil || r.reason != tt.wantReason || r.statusMessage() != tt.wantMsg):
				t.Errorf("admit = %+v; want %s: %s", r, tt.wantReason, tt.wantMsg)
			}
		})
	}
}
