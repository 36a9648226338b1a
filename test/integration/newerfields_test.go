package integration

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// newerPod is a pod setting two fields that k8s.io/api has and Kubernetes
// 1.33 does not: spec.hostnameOverride and a container's
// restartPolicyRules.
const newerPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{
	"hostnameOverride":"h",
	"containers":[{"name":"c","image":"nginx","restartPolicyRules":[{"action":"Restart","exitCodes":{"operator":"In","values":[42]}}]}]}}`

// TestNewerFieldsAreUnknown: fields newer than the served version are
// unknown fields, as upstream 1.33 has them. In a JSON body: a 400 under
// Strict with nothing stored, a warning under Warn and silence under
// Ignore, the field dropped either way. In a protobuf body they are
// dropped silently. In a patch they are unknown fields of the patched
// object (422 on "patch" under Strict), and in server-side apply fields
// the schema does not declare.
func TestNewerFieldsAreUnknown(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pods := "/api/v1/namespaces/" + ns + "/pods"
	create := func(name, query string) (*http.Response, []byte) {
		return do(t, rawRequest{method: "POST", path: pods + query, contentType: "application/json",
			body: []byte(strings.ReplaceAll(newerPod, "%s", name))})
	}
	noNewer := func(name string) {
		t.Helper()
		p, err := shared.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.HostnameOverride != nil || p.Spec.Containers[0].RestartPolicyRules != nil {
			t.Errorf("pod %s stored with newer fields: %+v", name, p.Spec)
		}
	}
	const both = `unknown field "spec.containers[0].restartPolicyRules", unknown field "spec.hostnameOverride"`

	resp, body := create("strict", "?fieldValidation=Strict")
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusBadRequest ||
		st.Message != `Pod in version "v1" cannot be handled as a Pod: strict decoding error: `+both {
		t.Errorf("Strict create: %d %q; want 400 naming both fields", resp.StatusCode, st.Message)
	}
	if _, err := shared.cs.CoreV1().Pods(ns).Get(ctx, "strict", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after the refused create: %v; want NotFound", err)
	}

	resp, body = create("warn", "")
	warnings := strings.Join(resp.Header.Values("Warning"), "; ")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(warnings, `unknown field \"spec.hostnameOverride\"`) ||
		!strings.Contains(warnings, `unknown field \"spec.containers[0].restartPolicyRules\"`) {
		t.Errorf("Warn create: %d, warnings %q: %s", resp.StatusCode, warnings, body)
	}
	noNewer("warn")

	resp, body = create("ignore", "?fieldValidation=Ignore")
	if resp.StatusCode != http.StatusCreated || len(resp.Header.Values("Warning")) != 0 {
		t.Errorf("Ignore create: %d, warnings %q: %s", resp.StatusCode, resp.Header.Values("Warning"), body)
	}
	noNewer("ignore")

	// client-go's default wire format: the fields are dropped, no warning.
	cfg := rest.CopyConfig(shared.cfg)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	warned := &warningRecorder{}
	cfg.WarningHandler = warned
	pcs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "proto"}, Spec: corev1.PodSpec{
		HostnameOverride: ptr.To("h"),
		Containers:       []corev1.Container{{Name: "c", Image: "nginx"}},
	}}
	got, err := pcs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{FieldValidation: "Strict"})
	if err != nil || got.Spec.HostnameOverride != nil || len(warned.all()) != 0 {
		t.Errorf("protobuf create: err %v, hostnameOverride %v, warnings %q; want created without it, silently", err, got.Spec.HostnameOverride, warned.all())
	}
	noNewer("proto")

	d := newDeployment(ns, "web")
	if _, err := shared.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := []byte(`{"spec":{"template":{"spec":{"hostnameOverride":"h"}}}}`)
	_, err = shared.cs.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{FieldValidation: "Strict"})
	if st, ok := err.(apierrors.APIStatus); !ok || st.Status().Code != 422 ||
		!strings.Contains(st.Status().Message, `strict decoding error: unknown field "spec.template.spec.hostnameOverride"`) {
		t.Errorf("Strict merge patch: %v; want 422 naming the field", err)
	}
	resp, body = do(t, rawRequest{method: "PATCH", path: "/apis/apps/v1/namespaces/" + ns + "/deployments/web",
		contentType: string(types.StrategicMergePatchType), body: patch})
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.Join(resp.Header.Values("Warning"), ";"), `spec.template.spec.hostnameOverride`) {
		t.Errorf("Warn strategic merge patch: %d, warnings %q: %s", resp.StatusCode, resp.Header.Values("Warning"), body)
	}
	after, err := shared.cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || after.Spec.Template.Spec.HostnameOverride != nil || after.Generation != 1 {
		t.Errorf("deployment after the patches: err %v, hostnameOverride %v, generation %d; want unchanged",
			err, after.Spec.Template.Spec.HostnameOverride, after.Generation)
	}

	apply := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`
	resp, body = do(t, rawRequest{method: "PATCH", path: "/api/v1/namespaces/" + ns + "/configmaps/x?fieldManager=t",
		contentType: string(types.ApplyYAMLPatchType), body: []byte(apply)})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("apply of a plain ConfigMap: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, rawRequest{method: "PATCH", path: pods + "/applied?fieldManager=t",
		contentType: string(types.ApplyYAMLPatchType), body: []byte(strings.ReplaceAll(newerPod, "%s", "applied"))})
	st := decodeStatus(t, body)
	if resp.StatusCode != http.StatusInternalServerError ||
		!strings.Contains(st.Message, `.spec.hostnameOverride: field not declared in schema`) ||
		!strings.Contains(st.Message, `.spec.containers[name="c"].restartPolicyRules: field not declared in schema`) {
		t.Errorf("apply with newer fields: %d %q; want upstream's 500 for undeclared fields", resp.StatusCode, st.Message)
	}
}

// TestNewerFieldsWithNullValues: a newer field is unknown whatever its
// value, as upstream's strict decoding reads keys: a null one, which
// decodes to nothing set, is named like a set one, in a JSON and a YAML
// body and in a patch.
func TestNewerFieldsWithNullValues(t *testing.T) {
	ns := newNamespace(t)
	pods := "/api/v1/namespaces/" + ns + "/pods"
	const nulls = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nulls"},"spec":{"hostnameOverride":null,
	"containers":[{"name":"c","image":"nginx","restartPolicyRules":null,"livenessProbe":{"httpGet":{"port":80,"protocol":null}}}]}}`
	// In the order of the types' fields (upstream names them in the
	// document's order).
	const named = `unknown field "spec.containers[0].restartPolicyRules", ` +
		`unknown field "spec.containers[0].livenessProbe.httpGet.protocol", unknown field "spec.hostnameOverride"`
	resp, body := do(t, rawRequest{method: "POST", path: pods + "?fieldValidation=Strict", contentType: "application/json", body: []byte(nulls)})
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusBadRequest ||
		st.Message != `Pod in version "v1" cannot be handled as a Pod: strict decoding error: `+named {
		t.Errorf("Strict JSON create with null newer fields: %d %q; want 400 naming the three", resp.StatusCode, st.Message)
	}

	yamlPod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml\nspec:\n  hostnameOverride:\n  containers:\n  - name: c\n    image: nginx\n"
	resp, body = do(t, rawRequest{method: "POST", path: pods, contentType: "application/yaml", body: []byte(yamlPod)})
	if warnings := strings.Join(resp.Header.Values("Warning"), "; "); resp.StatusCode != http.StatusCreated ||
		!strings.Contains(warnings, `unknown field \"spec.hostnameOverride\"`) {
		t.Errorf("Warn YAML create with an empty newer field: %d, warnings %q: %s", resp.StatusCode, warnings, body)
	}

	resp, body = do(t, rawRequest{method: "PATCH", path: pods + "/yaml?fieldValidation=Strict", contentType: string(types.JSONPatchType),
		body: []byte(`[{"op":"add","path":"/spec/containers/0/restartPolicyRules","value":null}]`)})
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(st.Message, `strict decoding error: unknown field "spec.containers[0].restartPolicyRules"`) {
		t.Errorf("Strict JSON patch adding a null newer field: %d %q; want 422 naming it", resp.StatusCode, st.Message)
	}

	// Fields of 1.33 whose names newer fields share are not named.
	const plain = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain"},"spec":{"containers":[{"name":"c","image":"nginx",
	"ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":"1"}}}]},"status":{"message":"m"}}`
	resp, body = do(t, rawRequest{method: "POST", path: pods + "?fieldValidation=Strict", contentType: "application/json", body: []byte(plain)})
	if resp.StatusCode != http.StatusCreated || len(resp.Header.Values("Warning")) != 0 {
		t.Errorf("Strict create of a pod with 1.33's protocol, resources and message: %d, warnings %q: %s",
			resp.StatusCode, resp.Header.Values("Warning"), body)
	}
}
