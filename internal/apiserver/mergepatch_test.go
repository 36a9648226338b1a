package apiserver

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apis"
)

func mergePatchPod() *corev1.Pod {
	start := metav1.Unix(1700000000, 0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{"app": "a", "tier": "t"}, Annotations: map[string]string{"k": "v"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate}}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "i",
			Resources:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, StartTime: &start, HostIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: start}}},
	}
}

// mergePatchCases are merge patches of the pod above: fast says whether
// mergePatchTyped takes them (the others take the document path).
var mergePatchCases = []struct {
	name, patch string
	fast        bool
}{
	{"kubelet status", `{"metadata":{"uid":"u1"},"status":{"phase":"Running","podIP":"10.42.0.5","podIPs":[{"ip":"10.42.0.5"}],"startTime":"2024-01-02T03:04:05Z","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-01-02T03:04:05Z"}],"containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"i","imageID":"","started":true,"state":{"running":{"startedAt":"2024-01-02T03:04:05Z"}}}]}}`, true},
	{"label added", `{"metadata":{"labels":{"new":"x"}}}`, true},
	{"label removed", `{"metadata":{"labels":{"app":null}}}`, true},
	{"labels removed", `{"metadata":{"labels":null}}`, true},
	{"map on a nil map, nulls dropped", `{"metadata":{"finalizers":["f"],"ownerReferences":[]},"spec":{"nodeSelector":{"a":"b","c":null}}}`, true},
	{"string nulled", `{"spec":{"nodeName":null}}`, true},
	{"time nulled", `{"status":{"startTime":null}}`, true},
	{"status nulled", `{"status":null}`, true},
	{"list replaced", `{"spec":{"containers":[{"name":"d","image":"j","ports":[{"containerPort":80}]}]}}`, true},
	{"pointer struct merged", `{"spec":{"securityContext":{"runAsUser":5,"runAsGroup":null}}}`, true},
	{"quantity map", `{"spec":{"overhead":{"cpu":"1","memory":null}}}`, true},
	{"empty patch", `{}`, true},
	{"unknown field", `{"status":{"bogus":1}}`, false},
	{"unknown top-level field", `{"bogus":1}`, false},
	{"duplicate key", `{"status":{"phase":"A","phase":"B"}}`, false},
	{"duplicate key in a map", `{"metadata":{"labels":{"a":"1","a":"2"}}}`, false},
	{"duplicate key in a nested map", `{"spec":{"overhead":{"":"0","":null}}}`, false},
	{"wrong type", `{"spec":{"nodeName":5}}`, false},
	{"wrong type in a map", `{"metadata":{"labels":{"a":{"b":1}}}}`, false},
	{"kind", `{"kind":"Pod","metadata":{"labels":{"a":"b"}}}`, false},
	{"not an object", `[]`, false},
	{"malformed", `{"status":`, false},
	{"case differs", `{"Status":{"phase":"Running"}}`, false},
	// A field newer than the served version names no field of 1.33.
	{"newer field", `{"spec":{"hostnameOverride":"h"}}`, false},
	{"newer field in status", `{"status":{"resources":{"limits":{"cpu":"1"}}}}`, false},
}

func mergePatchEndpoint() (*Server, *endpoint) {
	s := &Server{codecs: serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)}
	res := &apis.Resource{New: func() runtime.Object { return &corev1.Pod{} }}
	return s, &endpoint{res: res, gvk: corev1.SchemeGroupVersion.WithKind("Pod"), objType: reflect.TypeFor[*corev1.Pod]()}
}

// checkMergePatchTyped: when mergePatchTyped takes a patch, the document
// path succeeds with the same object, and current is left unchanged.
func checkMergePatchTyped(t *testing.T, patch []byte) bool {
	t.Helper()
	return checkTypedPatch(t, types.MergePatchType, mergePatchPod(), mergePatchTyped, patch)
}

// checkTypedPatch: when typed (the field-by-field path of patch type pt)
// takes a patch of cur, the document path succeeds with the same object,
// and cur is left unchanged. It reports whether typed took it.
func checkTypedPatch(t *testing.T, pt types.PatchType, cur *corev1.Pod, typed func(runtime.Object, []byte) (runtime.Object, bool), patch []byte) bool {
	t.Helper()
	s, ep := mergePatchEndpoint()
	before := cur.DeepCopy()
	fast, ok := typed(cur, patch)
	if !apiequality.Semantic.DeepEqual(cur, before) {
		t.Fatalf("patch %s changed current", patch)
	}
	if !ok {
		return false
	}
	setGVK(fast, ep.gvk)
	slow, _, err := s.applyPatchDocument(ep, before.DeepCopy(), pt, patch, validationStrict)
	if err != nil {
		t.Fatalf("patch %s: typed path took it, document path failed: %v", patch, err)
	}
	if !apiequality.Semantic.DeepEqual(fast, slow) {
		t.Fatalf("patch %s:\ntyped    %+v\ndocument %+v", patch, fast, slow)
	}
	return true
}

func TestMergePatchTyped(t *testing.T) {
	for _, tc := range mergePatchCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkMergePatchTyped(t, []byte(tc.patch)); got != tc.fast {
				t.Errorf("typed path taken = %v; want %v", got, tc.fast)
			}
		})
	}
}

// TestApplyPatchErrors: patches the typed path leaves to the document
// path get upstream's field validation of patches: malformed is 400;
// unknown fields, duplicate fields and type mismatches are 422 on the
// field "patch" under Strict, warnings under Warn, dropped under Ignore.
func TestApplyPatchErrors(t *testing.T) {
	s, ep := mergePatchEndpoint()
	cases := []struct {
		pt     types.PatchType
		patch  string
		mode   string
		code   int32
		detail string
		warns  int
	}{
		{types.MergePatchType, `{"status":`, validationStrict, 400, "error decoding patch", 0},
		{types.MergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationStrict, 422, `patch: Invalid value: "{`, 0},
		{types.MergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationStrict, 422, `strict decoding error: unknown field "status.bogus"`, 0},
		{types.MergePatchType, `{"status":{"phase":"A","phase":"Running"}}`, validationStrict, 422, `duplicate field "status.phase"`, 0},
		{types.MergePatchType, `{"spec":{"nodeName":5}}`, validationStrict, 422, "cannot unmarshal number", 0},
		{types.MergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationWarn, 0, "", 1},
		{types.MergePatchType, `{"status":{"phase":"A","phase":"Running"}}`, validationWarn, 0, "", 1},
		{types.MergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationIgnore, 0, "", 0},
		{types.StrategicMergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationStrict, 422, `patch: Invalid value: "map[status:map[bogus:1 phase:Running]]"`, 0},
		{types.StrategicMergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationStrict, 422, `strict decoding error: unknown field "status.bogus"`, 0},
		{types.StrategicMergePatchType, `{"status":{"phase":"A","phase":"Running"}}`, validationStrict, 422, `duplicate field "status.phase"`, 0},
		{types.StrategicMergePatchType, `{"spec":{"nodeName":5}}`, validationIgnore, 422, `patch: Invalid value: "map[spec:map[nodeName:5]]"`, 0},
		{types.StrategicMergePatchType, `{"status":`, validationIgnore, 400, "unexpected end of JSON input", 0},
		{types.StrategicMergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationWarn, 0, "", 1},
		{types.StrategicMergePatchType, `{"status":{"phase":"A","phase":"Running"}}`, validationWarn, 0, "", 1},
		{types.StrategicMergePatchType, `{"status":{"bogus":1,"phase":"Running"}}`, validationIgnore, 0, "", 0},
		{types.StrategicMergePatchType, `{"status":{"conditions":[{"type":"Ready","status":"True"}],"phase":"Running"}}`, validationStrict, 0, "", 0},
		{types.JSONPatchType, `[{"op":"replace","path":"/status/phase","value":"Running","bogus":1}]`, validationStrict, 422, `json patch unknown field "[0].bogus"`, 0},
		{types.JSONPatchType, `[{"op":"replace","path":"/status/phase","value":"Running","bogus":1}]`, validationWarn, 0, "", 1},
	}
	for _, tc := range cases {
		obj, warns, err := s.applyPatch(ep, mergePatchPod(), tc.pt, []byte(tc.patch), tc.mode)
		if tc.code != 0 {
			if err == nil {
				t.Errorf("%s %s %s: no error; want %d", tc.pt, tc.mode, tc.patch, tc.code)
			} else if st := statusFor(err); st.Code != tc.code || !strings.Contains(st.Message, tc.detail) {
				t.Errorf("%s %s %s: %d %q; want %d containing %q", tc.pt, tc.mode, tc.patch, st.Code, st.Message, tc.code, tc.detail)
			}
			continue
		}
		if err != nil || len(warns) != tc.warns || obj.(*corev1.Pod).Status.Phase != corev1.PodRunning {
			t.Errorf("%s %s %s: %v, warnings %q; want the phase patched and %d warnings", tc.pt, tc.mode, tc.patch, err, warns, tc.warns)
		}
	}
}

// FuzzMergePatchTyped: whatever the patch, the typed path either declines
// it or gives exactly the document path's object.
func FuzzMergePatchTyped(f *testing.F) {
	for _, tc := range mergePatchCases {
		f.Add([]byte(tc.patch))
	}
	f.Fuzz(func(t *testing.T, patch []byte) {
		checkMergePatchTyped(t, patch)
	})
}

// BenchmarkStrategicPatch: the scheduler's PodScheduled=False status patch
// (a strategic merge on the conditions list) applied to a pod.
func BenchmarkStrategicPatch(b *testing.B) {
	s, ep := mergePatchEndpoint()
	patch := []byte(`{"status":{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable",` +
		`"message":"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",` +
		`"lastProbeTime":null,"lastTransitionTime":"2024-01-02T03:04:05Z"}]}}`)
	pod := mergePatchPod()
	for b.Loop() {
		if _, _, err := s.applyPatch(ep, pod.DeepCopy(), types.StrategicMergePatchType, patch, validationWarn); err != nil {
			b.Fatal(err)
		}
	}
}
