package dedup

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fullPod is a pod with every part DecodePod treats apart, and then some.
func fullPod(t testing.TB, name, cpu string) *corev1.Pod {
	p := decoded(t, name, cpu)
	p.Annotations = map[string]string{"note": "x"}
	p.Finalizers = []string{"example.com/keep"}
	p.UID = types.UID("uid-" + name)
	p.ResourceVersion = "42"
	p.CreationTimestamp = metav1.Unix(1700000000, 0)
	p.ManagedFields = []metav1.ManagedFieldsEntry{{
		Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)},
	}}
	// As the service account admission names it: a volume and mount of
	// the pod's own.
	token := "kube-api-access-" + name
	p.Spec.Volumes[0].Name = token
	p.Spec.Containers[0].VolumeMounts[0].Name = token
	p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox", Command: []string{"true"},
		VolumeMounts: []corev1.VolumeMount{{Name: token, MountPath: "/var/run/secrets"}}}}
	p.Spec.NodeName = "node-1"
	p.Spec.SchedulerName = "default-scheduler"
	grace := int64(30)
	p.Spec.TerminationGracePeriodSeconds = &grace
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "no nodes",
		LastTransitionTime: metav1.Unix(1700000001, 0),
	}}}
	return p
}

func marshal(t testing.TB, p *corev1.Pod) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// plain is what the generated decoder and StripManagedFields give.
func plain(t *testing.T, b []byte) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{}
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	p.ManagedFields = nil
	return p
}

// TestDecodePodAsGenerated: DecodePod gives the pod the generated decoder
// gives, less its managed fields, for pods with and without each part,
// seen once or again.
func TestDecodePodAsGenerated(t *testing.T) {
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	empty := &corev1.Pod{}
	s := New()
	for round := range 2 {
		for _, p := range []*corev1.Pod{fullPod(t, "a", "100m"), fullPod(t, "b", "100m"), fullPod(t, "c", "250m"), bare, empty} {
			b := marshal(t, p)
			got, err := s.DecodePod(b)
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, p.Name, err)
			}
			if want := plain(t, b); !equality.Semantic.DeepEqual(got, want) {
				t.Fatalf("round %d, %s:\n got %+v\nwant %+v", round, p.Name, got, want)
			}
		}
	}
}

// TestDecodePodSharesByBytes: the pods of one template share their parts,
// each with its own token volume's name and mounts, and a pod whose
// containers differ still shares their equal parts.
func TestDecodePodSharesByBytes(t *testing.T) {
	s := New()
	a, err := s.DecodePod(marshal(t, fullPod(t, "a", "100m")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.DecodePod(marshal(t, fullPod(t, "b", "100m")))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		part string
		x, y any
	}{
		{"labels", a.Labels, b.Labels},
		{"annotations", a.Annotations, b.Annotations},
		{"owner references", a.OwnerReferences, b.OwnerReferences},
		{"finalizers", a.Finalizers, b.Finalizers},
		{"container ports", a.Spec.Containers[0].Ports, b.Spec.Containers[0].Ports},
		{"container requests", a.Spec.Containers[0].Resources.Requests, b.Spec.Containers[0].Resources.Requests},
		{"container probe", a.Spec.Containers[0].ReadinessProbe, b.Spec.Containers[0].ReadinessProbe},
		{"init container command", a.Spec.InitContainers[0].Command, b.Spec.InitContainers[0].Command},
		{"projected volume", a.Spec.Volumes[0].Projected, b.Spec.Volumes[0].Projected},
		{"tolerations", a.Spec.Tolerations, b.Spec.Tolerations},
		{"node selector", a.Spec.NodeSelector, b.Spec.NodeSelector},
	} {
		if !same(c.x, c.y) {
			t.Errorf("%s: not shared", c.part)
		}
	}
	// Each pod keeps its own token volume's name and mounts.
	if same(a.Spec.Containers, b.Spec.Containers) || same(a.Spec.Volumes, b.Spec.Volumes) {
		t.Error("two pods hold one array of containers or volumes")
	}
	if a.Spec.Volumes[0].Name != "kube-api-access-a" || b.Spec.Containers[0].VolumeMounts[0].Name != "kube-api-access-b" ||
		b.Spec.InitContainers[0].VolumeMounts[0].Name != "kube-api-access-b" {
		t.Errorf("names mixed up: %+v %+v", a.Spec.Volumes, b.Spec.Containers[0].VolumeMounts)
	}
	c, err := s.DecodePod(marshal(t, fullPod(t, "c", "250m")))
	if err != nil {
		t.Fatal(err)
	}
	if same(a.Spec.Containers[0].Resources.Requests, c.Spec.Containers[0].Resources.Requests) {
		t.Fatal("requests of 100m and 250m are shared")
	}
	ca, cc := a.Spec.Containers[0], c.Spec.Containers[0]
	if !same(ca.Ports, cc.Ports) || !same(ca.Resources.Limits, cc.Resources.Limits) {
		t.Error("equal parts of unequal containers not shared")
	}
	if got := cc.Resources.Requests.Cpu().String(); got != "250m" {
		t.Errorf("c's cpu request = %s; want 250m", got)
	}
	// Pod leaves the pod DecodePod gave as it is, and shares a pod
	// decoded the plain way with what DecodePod recorded.
	before, containers := c.DeepCopy(), c.Spec.Containers
	s.Pod(c)
	if !equality.Semantic.DeepEqual(c, before) || !same(c.Spec.Containers, containers) || !same(c.Spec.Containers[0].Ports, ca.Ports) {
		t.Fatal("Pod changed a pod DecodePod gave")
	}
	d := plain(t, marshal(t, fullPod(t, "d", "100m")))
	s.Pod(d)
	if !same(d.Labels, a.Labels) || !same(d.Spec.Containers[0].Ports, ca.Ports) {
		t.Error("a plainly decoded pod does not share with the pods DecodePod gave")
	}
}

// TestDecodePodMalformed: bytes the generated decoder refuses, DecodePod
// refuses too; a pod whose message repeats a part is left to the
// generated decoder (an error here, which callers take as "decode it
// the plain way").
func TestDecodePodMalformed(t *testing.T) {
	s := New()
	b := marshal(t, fullPod(t, "a", "100m"))
	for _, bad := range [][]byte{b[:len(b)-3], {0xff}, append(append([]byte{}, b...), 0x12, 0x05, 0x12)} {
		if _, err := s.DecodePod(bad); err == nil {
			t.Errorf("DecodePod(%x...) gave no error", bad[:min(len(bad), 8)])
		}
	}
	twice := protowire.AppendBytes(protowire.AppendTag(append([]byte{}, b...), fieldPodMeta, protowire.BytesType), []byte{0x0a, 0x01, 'x'})
	if _, err := s.DecodePod(twice); err == nil {
		t.Error("a repeated metadata field was decoded in place")
	}
	// The sharer still works afterwards.
	if _, err := s.DecodePod(b); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeTablesBounded: parts seen once each (a pod's own labels) fill
// the metadata's table up to its bound, and the spec's table keeps its
// entries meanwhile.
func TestDecodeTablesBounded(t *testing.T) {
	s := New()
	var first *corev1.Pod
	for i := range maxEntries + 10 {
		p := fullPod(t, "p", "100m")
		p.Labels = map[string]string{"n": fmt.Sprint(i)}
		got, err := s.DecodePod(marshal(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
		}
		if got.Labels["n"] != fmt.Sprint(i) {
			t.Fatalf("pod %d has labels %v", i, got.Labels)
		}
	}
	if n := len(s.metaBytes.parts); n > maxEntries {
		t.Fatalf("metadata table holds %d entries; want at most %d", n, maxEntries)
	}
	last, err := s.DecodePod(marshal(t, fullPod(t, "q", "100m")))
	if err != nil {
		t.Fatal(err)
	}
	if !same(first.Spec.Containers[0].Ports, last.Spec.Containers[0].Ports) || !same(first.Spec.Volumes[0].Projected, last.Spec.Volumes[0].Projected) {
		t.Fatal("the spec's table lost its entries to the labels'")
	}
}

// BenchmarkDecodePod is an informer's decode and transform of one pod
// event, against the generated decoder followed by Pod.
func BenchmarkDecodePod(b *testing.B) {
	data := marshal(b, fullPod(b, "a", "100m"))
	b.Run("bytes", func(b *testing.B) {
		s := New()
		b.ReportAllocs()
		for range b.N {
			p, err := s.DecodePod(data)
			if err != nil {
				b.Fatal(err)
			}
			s.Pod(p)
		}
	})
	b.Run("generated", func(b *testing.B) {
		s := New()
		b.ReportAllocs()
		for range b.N {
			p := &corev1.Pod{}
			if err := p.Unmarshal(data); err != nil {
				b.Fatal(err)
			}
			p.ManagedFields = nil
			s.Pod(p)
		}
	})
}

// FuzzDecodePod: on any bytes both decoders read, DecodePod gives what
// the generated decoder gives, less the managed fields. (It may refuse
// bytes the generated decoder reads; its callers then use that one.)
func FuzzDecodePod(f *testing.F) {
	f.Add(marshal(f, fullPod(f, "a", "100m")))
	f.Add(marshal(f, &corev1.Pod{}))
	s := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		want := &corev1.Pod{}
		if err := want.Unmarshal(data); err != nil {
			return
		}
		want.ManagedFields = nil
		got, err := s.DecodePod(data)
		if err != nil {
			return
		}
		if !equality.Semantic.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
	})
}
