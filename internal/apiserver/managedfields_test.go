package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apis"
)

// TestRecordUpdateMatchesFullComparison: leaving out the parts a write
// copied from the stored object gives the managed fields the full
// comparison gives, for status writes (a kubelet's, one dropping a
// condition another manager set) and for main-resource writes.
func TestRecordUpdateMatchesFullComparison(t *testing.T) {
	tc := newTypedGoConverter(applyconfigurations.NewTypeConverter(scheme.Scheme))
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	res := &apis.Resource{HasStatus: true, GVR: corev1.SchemeGroupVersion.WithResource("pods")}
	ep := &endpoint{res: res, gvk: gvk}
	mainReset, statusReset := resetFields(res)
	newFM := func(sub string) *managedfields.FieldManager {
		r := mainReset
		if sub == "status" {
			r = statusReset
		}
		fm, err := managedfields.NewDefaultFieldManager(tc, scheme.Scheme, defaulter{}, scheme.Scheme, gvk, gvk.GroupVersion(), sub, r)
		if err != nil {
			t.Fatal(err)
		}
		return fm
	}
	mainFM, statusFM := newFM(""), newFM("status")

	created := mainFM.UpdateNoErrors(&corev1.Pod{}, &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "c", Image: "i",
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}}},
	}, "creator").(*corev1.Pod)

	// step writes next over cur both ways and checks they agree.
	step := func(name string, fm *managedfields.FieldManager, sub string, cur *corev1.Pod, mutate func(*corev1.Pod), manager string) *corev1.Pod {
		t.Helper()
		next := cur.DeepCopy()
		mutate(next)
		full := fm.UpdateNoErrors(cur, next.DeepCopy(), manager).(*corev1.Pod)
		fast := recordUpdate(fm, ep, sub, cur, next.DeepCopy(), manager).(*corev1.Pod)
		if got, want := stripTimes(fast.ManagedFields), stripTimes(full.ManagedFields); !managedEqual(got, want) {
			t.Fatalf("%s: managed fields\n got %+v\nwant %+v", name, got, want)
		}
		if len(full.ManagedFields) == 0 {
			t.Fatalf("%s: no managed fields at all", name)
		}
		return full
	}
	p := step("controller condition", statusFM, "status", created, func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/Gate", Status: corev1.ConditionTrue}}
	}, "controller")
	p = step("kubelet status", statusFM, "status", p, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = "10.0.0.1"
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		p.Labels["kubelet"] = "x"
	}, "kubelet")
	p = step("label and image", mainFM, "", p, func(p *corev1.Pod) {
		p.Labels["tier"] = "t"
		p.Spec.Containers[0].Image = "j"
	}, "editor")
	step("status with no change", statusFM, "status", p, func(*corev1.Pod) {}, "kubelet")
}

func stripTimes(in []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	out := make([]metav1.ManagedFieldsEntry, len(in))
	for i, e := range in {
		e.Time = nil
		out[i] = e
	}
	return out
}

func managedEqual(a, b []metav1.ManagedFieldsEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Manager != b[i].Manager || a[i].Operation != b[i].Operation || a[i].Subresource != b[i].Subresource ||
			a[i].APIVersion != b[i].APIVersion || string(a[i].FieldsV1.Raw) != string(b[i].FieldsV1.Raw) {
			return false
		}
	}
	return true
}
