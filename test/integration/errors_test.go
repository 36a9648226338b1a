package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestErrorClasses checks that each kind of bad request gets upstream's
// status code and reason, as a metav1.Status.
func TestErrorClasses(t *testing.T) {
	ns := newNamespace(t)
	ctx := ctxFor(t)
	if _, err := shared.cs.CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap(ns, "exists"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cms := "/api/v1/namespaces/" + ns + "/configmaps"
	const js = "application/json"
	big := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"` + strings.Repeat("x", 3*1024*1024) + `"}}`)
	tests := []struct {
		name string
		req  rawRequest
		code int
		// reason is the Status reason; message, if set, must be in the
		// message (be it, with exact).
		reason  metav1.StatusReason
		message string
		exact   bool
		// causes are the fields the Status details must name.
		causes []string
	}{
		{name: "malformed JSON", req: rawRequest{method: "POST", path: cms, contentType: js, body: []byte(`{"metadata":`)},
			code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "malformed YAML", req: rawRequest{method: "POST", path: cms, contentType: "application/yaml", body: []byte("metadata:\n  name: [x\n")},
			code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "unknown field under Strict", req: rawRequest{method: "POST", path: cms + "?fieldValidation=Strict", contentType: js,
			body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict1","bogus":1}}`)},
			code: 400, reason: metav1.StatusReasonBadRequest, message: `unknown field "metadata.bogus"`},
		{name: "duplicate field under Strict", req: rawRequest{method: "POST", path: cms + "?fieldValidation=Strict", contentType: js,
			body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict2"},"data":{"a":"1"},"data":{"b":"2"}}`)},
			code: 400, reason: metav1.StatusReasonBadRequest, message: `duplicate field "data"`},
		{name: "invalid object", req: rawRequest{method: "POST", path: "/api/v1/namespaces/" + ns + "/pods", contentType: js,
			body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","labels":{"a":"-bad-"}},"spec":{"containers":[{"name":"c"}]}}`)},
			code: 422, reason: metav1.StatusReasonInvalid, causes: []string{"metadata.labels", "spec.containers[0].image"}},
		{name: "malformed label selector", req: rawRequest{method: "GET", path: cms + "?labelSelector=" + url.QueryEscape("app in (a,b")},
			code: 400, reason: metav1.StatusReasonBadRequest, message: "unable to parse requirement: found '', expected: ',' or ')'", exact: true},
		{name: "malformed field selector", req: rawRequest{method: "GET", path: cms + "?fieldSelector=foo"},
			code: 400, reason: metav1.StatusReasonBadRequest, message: "invalid selector: 'foo'; can't understand 'foo'", exact: true},
		{name: "unsupported field label", req: rawRequest{method: "GET", path: cms + "?fieldSelector=spec.x%3D1"},
			code: 400, reason: metav1.StatusReasonBadRequest, message: "field label not supported: spec.x", exact: true},
		{name: "missing object", req: rawRequest{method: "GET", path: cms + "/nope"},
			code: 404, reason: metav1.StatusReasonNotFound, message: `configmaps "nope" not found`},
		{name: "existing object", req: rawRequest{method: "POST", path: cms, contentType: js,
			body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"exists"}}`)},
			code: 409, reason: metav1.StatusReasonAlreadyExists, message: `configmaps "exists" already exists`},
		{name: "body over 3MiB", req: rawRequest{method: "POST", path: cms, contentType: js, body: big},
			code: 413, reason: metav1.StatusReasonRequestEntityTooLarge},
		{name: "unsupported media type", req: rawRequest{method: "POST", path: cms, contentType: "text/plain", body: []byte("hello")},
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType},
		{name: "unsupported patch type", req: rawRequest{method: "PATCH", path: cms + "/exists", contentType: js, body: []byte(`{}`)},
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType},
		{name: "unknown resource", req: rawRequest{method: "GET", path: "/api/v1/namespaces/" + ns + "/widgets"},
			code: 404, reason: metav1.StatusReasonNotFound},
		{name: "unknown group", req: rawRequest{method: "GET", path: "/apis/example.com/v1/widgets"},
			code: 404, reason: metav1.StatusReasonNotFound},
		{name: "deletecollection on namespaces", req: rawRequest{method: "DELETE", path: "/api/v1/namespaces"},
			code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "POST to a named resource", req: rawRequest{method: "POST", path: cms + "/exists", contentType: js,
			body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"exists"}}`)},
			code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "unsupported field selector", req: rawRequest{method: "GET", path: "/api/v1/pods?fieldSelector=spec.bogus%3Dx"},
			code: 400, reason: metav1.StatusReasonBadRequest, message: "spec.bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.req)
			if resp.StatusCode != tc.code {
				t.Fatalf("%s %s: code %d; want %d (body %.300s)", tc.req.method, tc.req.path, resp.StatusCode, tc.code, body)
			}
			st := decodeStatus(t, body)
			if st.Status != metav1.StatusFailure || st.Reason != tc.reason || int(st.Code) != tc.code {
				t.Errorf("status %q reason %q code %d; want Failure %q %d (message %q)", st.Status, st.Reason, st.Code, tc.reason, tc.code, st.Message)
			}
			if tc.exact && st.Message != tc.message {
				t.Errorf("message %q; want %q", st.Message, tc.message)
			}
			if tc.message != "" && !strings.Contains(st.Message, tc.message) {
				t.Errorf("message %q; want it to contain %q", st.Message, tc.message)
			}
			for _, f := range tc.causes {
				if !hasCause(st, f) {
					t.Errorf("causes %+v; want one for field %s", causesOf(st), f)
				}
			}
		})
	}
	// None of the failed creates stored anything.
	list, err := shared.cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if names := listNames(t, list); len(names) != 2 || names[0] != "exists" || names[1] != "kube-root-ca.crt" {
		t.Errorf("configmaps after failed requests = %v; want [exists kube-root-ca.crt]", names)
	}
	if _, err := shared.cs.CoreV1().Pods(ns).Get(ctx, "bad", metav1.GetOptions{}); err == nil {
		t.Errorf("invalid pod was stored")
	}
}

func hasCause(st metav1.Status, field string) bool {
	for _, c := range causesOf(st) {
		if c.Field == field {
			return true
		}
	}
	return false
}

func causesOf(st metav1.Status) []metav1.StatusCause {
	if st.Details == nil {
		return nil
	}
	return st.Details.Causes
}

// TestFieldValidationWarn: unknown fields under Warn (the default) are
// dropped and reported in a Warning header; Ignore drops them silently.
func TestFieldValidationWarn(t *testing.T) {
	ns := newNamespace(t)
	cms := "/api/v1/namespaces/" + ns + "/configmaps"
	for _, mode := range []string{"", "Warn", "Ignore"} {
		t.Run("mode="+mode, func(t *testing.T) {
			name := uniqueName("warn")
			body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"bogus":1},"data":{"a":"1"}}`, name)
			path := cms
			if mode != "" {
				path += "?fieldValidation=" + mode
			}
			resp, out := do(t, rawRequest{method: "POST", path: path, contentType: "application/json", body: []byte(body)})
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create: code %d; want 201 (%s)", resp.StatusCode, out)
			}
			warning := strings.Join(resp.Header.Values("Warning"), "; ")
			wantWarning := mode != "Ignore"
			if got := strings.Contains(warning, `unknown field \"metadata.bogus\"`) || strings.Contains(warning, `unknown field "metadata.bogus"`); got != wantWarning {
				t.Errorf("Warning header %q; want a warning about metadata.bogus: %v", warning, wantWarning)
			}
			if !bytes.Contains(out, []byte(`"a":"1"`)) {
				t.Errorf("created object %s; want data a=1 kept", out)
			}
		})
	}
}
