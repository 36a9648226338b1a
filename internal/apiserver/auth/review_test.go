package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
)

func TestReviews(t *testing.T) {
	h := Reviews(http.NotFoundHandler(), onlyGets{})
	alice := User{Name: "alice"}
	tests := []struct {
		name, url, body string
		wantCode        int
		wantAllowed     bool
		wantReason      string
	}{
		{"self allowed", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			`{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{"resourceAttributes":{"verb":"list","resource":"pods","namespace":"default"}}}`,
			201, true, ""},
		{"self denied", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			`{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{"resourceAttributes":{"verb":"delete","resource":"pods","namespace":"reasons"}}}`,
			201, false, `RBAC: role.rbac.authorization.k8s.io "x" not found`},
		{"self non-resource", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			`{"spec":{"nonResourceAttributes":{"verb":"get","path":"/metrics"}}}`, 201, true, ""},
		{"subject", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
			`{"spec":{"user":"bob","resourceAttributes":{"verb":"create","resource":"pods"}}}`, 201, false, ""},
		{"local", "/apis/authorization.k8s.io/v1/namespaces/a/localsubjectaccessreviews",
			`{"spec":{"user":"bob","resourceAttributes":{"verb":"get","resource":"pods","namespace":"a"}}}`, 201, true, ""},
		{"local namespace mismatch", "/apis/authorization.k8s.io/v1/namespaces/a/localsubjectaccessreviews",
			`{"spec":{"user":"bob","resourceAttributes":{"verb":"get","resource":"pods","namespace":"b"}}}`, 422, false, ""},
		{"no attributes", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", `{"spec":{}}`, 422, false, ""},
		{"bad body", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", `{`, 400, false, ""},
		{"other paths pass through", "/apis/authorization.k8s.io/v1/other", `{}`, 404, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.url, strings.NewReader(tt.body))
			r = r.WithContext(WithUser(r.Context(), alice))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("POST %s: code %d (%s); want %d", tt.url, w.Code, w.Body, tt.wantCode)
			}
			if w.Code != 201 {
				return
			}
			var got struct {
				Kind, APIVersion string
				Status           authzv1.SubjectAccessReviewStatus
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Status.Allowed != tt.wantAllowed || got.Status.Reason != tt.wantReason || got.APIVersion != "authorization.k8s.io/v1" {
				t.Errorf("review = %s %+v; want authorization.k8s.io/v1 allowed=%v reason=%q", got.APIVersion, got.Status, tt.wantAllowed, tt.wantReason)
			}
		})
	}
}
