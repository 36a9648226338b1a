package integration

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// smpResult is what one strategic merge patch answered.
type smpResult struct {
	code    int
	warning string
	body    []byte
}

// strategicPatch sends a strategic merge patch to path (with query, if
// any), as kubectl patch and the kubelet do.
func strategicPatch(t *testing.T, path, query, body string) smpResult {
	t.Helper()
	if query != "" {
		path += "?" + query
	}
	resp, out := do(t, rawRequest{method: "PATCH", path: path, contentType: string(types.StrategicMergePatchType), body: []byte(body)})
	return smpResult{code: resp.StatusCode, warning: strings.Join(resp.Header.Values("Warning"), "; "), body: out}
}

// TestStrategicMergePatch: a strategic merge patch (kubectl's default)
// merges lists by their merge keys and honours $patch directives; it is
// checked as upstream checks it: under Strict an unknown or duplicate
// field is a 422 on the field "patch" and nothing is written, under Warn
// (the default) the field is dropped with a Warning, under Ignore
// silently; a value of the wrong type is a 422 in every mode.
func TestStrategicMergePatch(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	d := newDeployment(ns, "smp")
	d.Spec.Template.Spec.Containers = []corev1.Container{
		{Name: "a", Image: "busybox", Env: []corev1.EnvVar{{Name: "X", Value: "1"}}},
		{Name: "b", Image: "busybox"},
	}
	if _, err := shared.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/apis/apps/v1/namespaces/" + ns + "/deployments/smp"
	replicas := func() int32 {
		got, err := shared.cs.AppsV1().Deployments(ns).Get(ctx, "smp", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *got.Spec.Replicas
	}

	r := strategicPatch(t, path, "", `{"metadata":{"labels":{"tier":"web"}},"spec":{"template":{"spec":{"containers":[`+
		`{"name":"a","env":[{"name":"Y","value":"2"}]},{"name":"b","$patch":"delete"}]}}}}`)
	var got appsv1.Deployment
	if r.code != http.StatusOK {
		t.Fatalf("merge-key patch: code %d (%s)", r.code, r.body)
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	cs := got.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "a" || cs[0].Image != "busybox" {
		t.Errorf("containers after the patch %+v; want a alone, its image kept", cs)
	}
	if len(cs) == 1 && !slices.Contains(cs[0].Env, corev1.EnvVar{Name: "X", Value: "1"}) || !slices.Contains(cs[0].Env, corev1.EnvVar{Name: "Y", Value: "2"}) {
		t.Errorf("env after the patch %+v; want X=1 kept and Y=2 added (merged by name)", cs[0].Env)
	}
	if got.Labels["tier"] != "web" {
		t.Errorf("labels after the patch %v; want tier=web added", got.Labels)
	}

	tests := []struct {
		name, query, body string
		code              int
		message, warning  string
		replicas          int32 // after the patch
	}{
		{name: "unknown field, Strict", query: "fieldValidation=Strict", body: `{"spec":{"replicas":3,"bogus":1}}`,
			code: 422, message: `strict decoding error: unknown field \"spec.bogus\"`, replicas: 1},
		{name: "duplicate field, Strict", query: "fieldValidation=Strict", body: `{"spec":{"replicas":3,"replicas":4}}`,
			code: 422, message: `duplicate field`, replicas: 1},
		{name: "unknown field, Warn", body: `{"spec":{"replicas":3,"bogus":1}}`,
			code: 200, warning: `unknown field \"spec.bogus\"`, replicas: 3},
		{name: "unknown field, Ignore", query: "fieldValidation=Ignore", body: `{"spec":{"replicas":4,"bogus":1}}`,
			code: 200, replicas: 4},
		{name: "wrong type, Ignore", query: "fieldValidation=Ignore", body: `{"spec":{"replicas":"many"}}`,
			code: 422, message: `patch: Invalid value: `, replicas: 4},
		{name: "not JSON", body: `{"spec":`, code: 400, replicas: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := strategicPatch(t, path, tt.query, tt.body)
			if r.code != tt.code || !strings.Contains(string(r.body), tt.message) {
				t.Errorf("code %d, body %s; want %d containing %q", r.code, r.body, tt.code, tt.message)
			}
			if (tt.warning == "") != (r.warning == "") || !strings.Contains(r.warning, tt.warning) {
				t.Errorf("Warning %q; want %q", r.warning, tt.warning)
			}
			if got := replicas(); got != tt.replicas {
				t.Errorf("replicas after the patch %d; want %d", got, tt.replicas)
			}
		})
	}
}

// TestStrategicMergePatchPodStatus: the kubelet's status patches merge a
// pod's conditions by type, leaving the others.
func TestStrategicMergePatchPodStatus(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "status"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	if _, err := shared.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/namespaces/" + ns + "/pods/status/status"
	for _, body := range []string{
		`{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"False"}]}}`,
		`{"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"}]}}`,
	} {
		if r := strategicPatch(t, path, "", body); r.code != http.StatusOK {
			t.Fatalf("status patch %s: code %d (%s)", body, r.code, r.body)
		}
	}
	got, err := shared.cs.CoreV1().Pods(ns).Get(ctx, "status", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range got.Status.Conditions {
		status[c.Type] = c.Status
	}
	if status[corev1.PodReady] != corev1.ConditionFalse || status[corev1.PodInitialized] != corev1.ConditionTrue || got.Status.Phase != corev1.PodRunning {
		t.Errorf("status after two patches: phase %s, conditions %v; want Running, Ready False kept, Initialized True", got.Status.Phase, status)
	}
}
