package dedup

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// decoded returns a pod of a ReplicaSet's template as an informer holds
// it: decoded from its protobuf encoding, so that no two pods share any
// part to begin with.
func decoded(t testing.TB, name, cpu string) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", Labels: map[string]string{"app": "web", "pod-template-hash": "abc"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-abc", UID: "u1"}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "web", Image: "nginx", Command: []string{"nginx", "-g", "daemon off;"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "prod"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80)}}},
				VolumeMounts:   []corev1.VolumeMount{{Name: "token", MountPath: "/var/run/secrets"}},
			}},
			Volumes: []corev1.Volume{{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}}},
			}}}},
			Tolerations:  []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
			NodeSelector: map[string]string{"disk": "ssd"},
		},
	}
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out := &corev1.Pod{}
	if err := out.Unmarshal(data); err != nil {
		t.Fatal(err)
	}
	return out
}

// same tells whether two maps or slices are one value in memory.
func same(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return va.Kind() == vb.Kind() && !va.IsNil() && va.UnsafePointer() == vb.UnsafePointer()
}

func TestPodSharesEqualParts(t *testing.T) {
	s := New()
	a, b := decoded(t, "a", "100m"), decoded(t, "b", "100m")
	wantB := b.DeepCopy()
	s.Pod(a)
	s.Pod(b)
	if !equality.Semantic.DeepEqual(b, wantB) {
		t.Fatalf("sharing changed the pod:\n got %+v\nwant %+v", b, wantB)
	}
	ca, cb := a.Spec.Containers[0], b.Spec.Containers[0]
	for _, c := range []struct {
		part string
		x, y any
	}{
		{"labels", a.Labels, b.Labels},
		{"owner references", a.OwnerReferences, b.OwnerReferences},
		{"requests", ca.Resources.Requests, cb.Resources.Requests},
		{"limits", ca.Resources.Limits, cb.Resources.Limits},
		{"command", ca.Command, cb.Command},
		{"ports", ca.Ports, cb.Ports},
		{"env", ca.Env, cb.Env},
		{"volume mounts", ca.VolumeMounts, cb.VolumeMounts},
		{"tolerations", a.Spec.Tolerations, b.Spec.Tolerations},
		{"node selector", a.Spec.NodeSelector, b.Spec.NodeSelector},
		{"readiness probe", ca.ReadinessProbe, cb.ReadinessProbe},
		{"projected volume", a.Spec.Volumes[0].Projected, b.Spec.Volumes[0].Projected},
	} {
		if !same(c.x, c.y) {
			t.Errorf("%s: not shared", c.part)
		}
	}
	if &a.Spec.Containers[0] == &b.Spec.Containers[0] {
		t.Error("the containers themselves are shared; only their parts should be")
	}
}

func TestPodKeepsUnequalPartsApart(t *testing.T) {
	s := New()
	a, b := decoded(t, "a", "100m"), decoded(t, "b", "250m")
	s.Pod(a)
	s.Pod(b)
	ra, rb := a.Spec.Containers[0].Resources.Requests, b.Spec.Containers[0].Resources.Requests
	if same(ra, rb) {
		t.Fatal("requests of 100m and 250m are shared")
	}
	if got := rb.Cpu().String(); got != "250m" {
		t.Fatalf("b's cpu request = %s; want 250m", got)
	}
	// Limits are equal in both and still shared.
	if !same(a.Spec.Containers[0].Resources.Limits, b.Spec.Containers[0].Resources.Limits) {
		t.Fatal("equal limits not shared")
	}
}

// A DeepCopy, which is what a reader must change, owns its parts: changing
// it leaves the cached pods alone.
func TestDeepCopyOfSharedPodIsIndependent(t *testing.T) {
	s := New()
	a, b := decoded(t, "a", "100m"), decoded(t, "b", "100m")
	s.Pod(a)
	s.Pod(b)
	c := a.DeepCopy()
	c.Labels["app"] = "changed"
	c.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
	c.Spec.Tolerations[0].Key = "changed"
	if b.Labels["app"] != "web" || b.Spec.Containers[0].Resources.Requests.Cpu().String() != "100m" || b.Spec.Tolerations[0].Key != "node.kubernetes.io/not-ready" {
		t.Fatalf("changing a's copy changed b: %+v", b)
	}
}

func TestTablesAreBounded(t *testing.T) {
	s := New()
	for i := range maxEntries + 10 {
		p := decoded(t, "p", "100m")
		p.Labels = map[string]string{"n": fmt.Sprint(i)}
		s.Pod(p)
	}
	if n := len(s.stringMaps); n > maxEntries {
		t.Fatalf("string map table holds %d entries; want at most %d", n, maxEntries)
	}
	// After the table was emptied, sharing starts again.
	a, b := decoded(t, "a", "100m"), decoded(t, "b", "100m")
	s.Pod(a)
	s.Pod(b)
	if !same(a.Labels, b.Labels) {
		t.Fatal("labels not shared after the table was emptied")
	}
}

func TestLargePartsAreNotShared(t *testing.T) {
	s := New()
	big := string(make([]byte, maxKey))
	a, b := decoded(t, "a", "100m"), decoded(t, "b", "100m")
	a.Annotations = map[string]string{"big": big}
	b.Annotations = map[string]string{"big": big}
	s.Pod(a)
	s.Pod(b)
	if same(a.Annotations, b.Annotations) {
		t.Fatal("annotations over the key limit are shared")
	}
	if len(s.stringMaps) > 2 { // the two pods' labels and node selector
		t.Fatalf("the table holds %d maps; the large annotations should not be among them", len(s.stringMaps))
	}
}

// The transform runs on every informer event; this is its cost per pod.
func BenchmarkPod(b *testing.B) {
	s := New()
	pods := make([]*corev1.Pod, 64)
	for i := range pods {
		pods[i] = decoded(b, fmt.Sprint("p", i), "100m")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.Pod(pods[i%len(pods)])
	}
}
