package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// TestServerSideApply: apply records its manager in managedFields; a
// second manager changing an owned field conflicts (409) until it forces.
func TestServerSideApply(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	cm, err := cc.Apply(ctx, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{"a": "1", "b": "1"}),
		metav1.ApplyOptions{FieldManager: "alice"})
	if err != nil {
		t.Fatalf("apply as alice: %v", err)
	}
	if !managedBy(cm.ManagedFields, "alice", metav1.ManagedFieldsOperationApply) {
		t.Errorf("managedFields %+v; want an Apply entry for alice", cm.ManagedFields)
	}
	// A non-conflicting apply by another manager merges.
	if cm, err = cc.Apply(ctx, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{"c": "2"}),
		metav1.ApplyOptions{FieldManager: "carol"}); err != nil {
		t.Fatalf("apply as carol: %v", err)
	}
	if cm.Data["a"] != "1" || cm.Data["c"] != "2" {
		t.Errorf("data after two managers applied = %v; want a=1 b=1 c=2", cm.Data)
	}
	_, err = cc.Apply(ctx, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{"a": "2"}), metav1.ApplyOptions{FieldManager: "bob"})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "alice") {
		t.Fatalf("conflicting apply as bob: err %v; want 409 Conflict naming alice", err)
	}
	cm, err = cc.Apply(ctx, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{"a": "2"}), metav1.ApplyOptions{FieldManager: "bob", Force: true})
	if err != nil {
		t.Fatalf("forced apply as bob: %v", err)
	}
	if cm.Data["a"] != "2" || !managedBy(cm.ManagedFields, "bob", metav1.ManagedFieldsOperationApply) {
		t.Errorf("after forced apply: data %v managedFields %+v; want a=2 and bob managing", cm.Data, cm.ManagedFields)
	}
	// Alice re-applying without a: it is bob's now, so it stays; b goes.
	cm, err = cc.Apply(ctx, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{}), metav1.ApplyOptions{FieldManager: "alice"})
	if err != nil {
		t.Fatalf("alice re-apply: %v", err)
	}
	if _, hasB := cm.Data["b"]; hasB || cm.Data["a"] != "2" {
		t.Errorf("after alice dropped her fields: data %v; want b removed and a=2 kept", cm.Data)
	}
	// An update records an Update entry.
	cm.Labels = map[string]string{"x": "y"}
	if cm, err = cc.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "dave"}); err != nil {
		t.Fatal(err)
	}
	if !managedBy(cm.ManagedFields, "dave", metav1.ManagedFieldsOperationUpdate) {
		t.Errorf("managedFields %+v; want an Update entry for dave", cm.ManagedFields)
	}
	// Apply without a field manager is 422.
	resp, body := do(t, rawRequest{method: "PATCH", path: "/api/v1/namespaces/" + ns + "/configmaps/applied",
		contentType: string(types.ApplyPatchType), body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n")})
	if resp.StatusCode != 422 {
		t.Errorf("apply without fieldManager: code %d; want 422 (%s)", resp.StatusCode, body)
	}
}

func managedBy(entries []metav1.ManagedFieldsEntry, manager string, op metav1.ManagedFieldsOperationType) bool {
	for _, e := range entries {
		if e.Manager == manager && e.Operation == op {
			return true
		}
	}
	return false
}

func TestPatchTypes(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	dc := shared.cs.AppsV1().Deployments(ns)
	if _, err := dc.Create(ctx, newDeployment(ns, "web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Strategic merge merges containers by name.
	d, err := dc.Patch(ctx, "web", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"1"}]}]}}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic merge patch: %v", err)
	}
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Image != "registry.example/app:1" || len(cs[0].Env) != 1 {
		t.Errorf("after strategic merge: containers %+v; want app with its image and env A", cs)
	}
	// A merge patch replaces lists whole.
	d, err = dc.Patch(ctx, "web", types.MergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"one","image":"a:1"},{"name":"two","image":"b:1"}]}}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("merge patch: %v", err)
	}
	if cs := d.Spec.Template.Spec.Containers; len(cs) != 2 || cs[0].Name != "one" || len(cs[0].Env) != 0 {
		t.Errorf("after merge patch: containers %+v; want exactly one and two", cs)
	}
	// A merge patch deletes with null.
	if d, err = dc.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if d, err = dc.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":null}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Labels["a"]; ok {
		t.Errorf("label a after a null merge patch: %v; want removed", d.Labels)
	}
	// JSON patch, with a test operation.
	d, err = dc.Patch(ctx, "web", types.JSONPatchType,
		[]byte(`[{"op":"test","path":"/metadata/name","value":"web"},{"op":"replace","path":"/spec/replicas","value":4}]`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("json patch: %v", err)
	}
	if *d.Spec.Replicas != 4 {
		t.Errorf("replicas after json patch = %d; want 4", *d.Spec.Replicas)
	}
	if _, err := dc.Patch(ctx, "web", types.JSONPatchType,
		[]byte(`[{"op":"test","path":"/metadata/name","value":"other"},{"op":"replace","path":"/spec/replicas","value":9}]`), metav1.PatchOptions{}); err == nil {
		t.Errorf("json patch with a failing test op succeeded")
	}
	// A patch on a missing object is 404; a malformed patch is 400.
	if _, err := dc.Patch(ctx, "nope", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("patch missing object: err %v; want NotFound", err)
	}
	if _, err := dc.Patch(ctx, "web", types.JSONPatchType, []byte(`{"op":`), metav1.PatchOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("malformed json patch: err %v; want BadRequest", err)
	}
	// Under Strict, an unknown field in a merge patch is a 422 on the
	// field "patch", as kube-apiserver answers, and nothing is written.
	_, err = dc.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":7,"bogus":1}}`),
		metav1.PatchOptions{FieldValidation: "Strict"})
	if st, ok := err.(apierrors.APIStatus); !apierrors.IsInvalid(err) || !ok ||
		!strings.Contains(st.Status().Message, `patch: Invalid value: `) ||
		!strings.Contains(st.Status().Message, `strict decoding error: unknown field "spec.bogus"`) {
		t.Errorf("strict merge patch with an unknown field: err %v; want 422 on the field patch", err)
	}
	got, err := dc.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Spec.Replicas != 4 {
		t.Errorf("replicas after failed patches = %d; want 4", *got.Spec.Replicas)
	}
}

// TestCreateManagedFieldsExcludeAdmission: as upstream, a create's
// managed fields are recorded before admission, so the creator owns what
// it sent (and its defaults) but not what admission added: a pod's token
// volume and default tolerations, a Service's allocated ClusterIP. Two
// pods of one shape get the same entry.
func TestCreateManagedFieldsExcludeAdmission(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	var fields []string
	for _, name := range []string{"first", "second"} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "a"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		got, err := shared.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{FieldManager: "creator"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Spec.Volumes) == 0 || len(got.Spec.Tolerations) == 0 {
			t.Fatalf("admission added no token volume or tolerations: %+v", got.Spec)
		}
		if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "creator" || got.ManagedFields[0].FieldsV1 == nil {
			t.Fatalf("managedFields %+v; want one entry for creator", got.ManagedFields)
		}
		raw := string(got.ManagedFields[0].FieldsV1.Raw)
		for _, owned := range []string{`"f:containers"`, `k:{\"name\":\"c\"}`, `"f:restartPolicy"`, `"f:app"`} {
			if !strings.Contains(raw, owned) {
				t.Errorf("%s: creator's fields %s lack %s", name, raw, owned)
			}
		}
		for _, admitted := range []string{`"f:volumes"`, `"f:tolerations"`, `"f:volumeMounts"`, `"f:serviceAccountName"`} {
			if strings.Contains(raw, admitted) {
				t.Errorf("%s: creator's fields %s include %s, which admission set", name, raw, admitted)
			}
		}
		fields = append(fields, raw)
	}
	if fields[0] != fields[1] {
		t.Errorf("two pods of one shape: fields\n%s\n%s", fields[0], fields[1])
	}
	svc, err := shared.cs.CoreV1().Services(ns).Create(ctx, newService(ns, "web"), metav1.CreateOptions{FieldManager: "creator"})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP == "" || len(svc.ManagedFields) != 1 {
		t.Fatalf("service: clusterIP %q managedFields %+v", svc.Spec.ClusterIP, svc.ManagedFields)
	}
	if raw := string(svc.ManagedFields[0].FieldsV1.Raw); strings.Contains(raw, `"f:clusterIP"`) || !strings.Contains(raw, `"f:selector"`) {
		t.Errorf("service creator's fields %s; want the selector and not the allocated clusterIP", raw)
	}
}
