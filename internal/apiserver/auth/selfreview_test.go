package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

type fixedRules struct {
	rules []rbacv1.PolicyRule
	err   error
}

func (f fixedRules) RulesFor(User, string) ([]rbacv1.PolicyRule, error) { return f.rules, f.err }

func TestSelfSubjectReview(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := SelfReviews(http.NotFoundHandler(), nil, func() time.Time { return now })
	u := User{Name: "alice", UID: "1", Groups: []string{"dev", "system:authenticated"}, Extra: map[string][]string{"k": {"v"}}}
	r := httptest.NewRequest("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
		strings.NewReader(`{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{}}`))
	r = r.WithContext(WithUser(r.Context(), u))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 201 {
		t.Fatalf("code = %d (%s); want 201", w.Code, w.Body)
	}
	var got authnv1.SelfSubjectReview
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := authnv1.UserInfo{Username: "alice", UID: "1", Groups: u.Groups, Extra: map[string]authnv1.ExtraValue{"k": {"v"}}}
	if got.APIVersion != "authentication.k8s.io/v1" || got.Kind != "SelfSubjectReview" || !reflect.DeepEqual(got.Status.UserInfo, want) {
		t.Errorf("review = %s %s %+v; want authentication.k8s.io/v1 SelfSubjectReview %+v", got.APIVersion, got.Kind, got.Status.UserInfo, want)
	}
}

func TestSelfSubjectRulesReview(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"p"}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}},
	}
	tests := []struct {
		name           string
		lister         fixedRules
		wantIncomplete bool
	}{
		{"complete", fixedRules{rules: rules}, false},
		{"missing role", fixedRules{rules: rules, err: errors.New(`clusterrole.rbac.authorization.k8s.io "x" not found`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := SelfReviews(http.NotFoundHandler(), tt.lister, nil)
			r := httptest.NewRequest("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
				strings.NewReader(`{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","spec":{"namespace":"default"}}`))
			r = r.WithContext(WithUser(r.Context(), User{Name: "alice"}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 201 {
				t.Fatalf("code = %d (%s); want 201", w.Code, w.Body)
			}
			var got authzv1.SelfSubjectRulesReview
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			wantRes := []authzv1.ResourceRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"p"}}}
			wantNonRes := []authzv1.NonResourceRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}
			if !reflect.DeepEqual(got.Status.ResourceRules, wantRes) || !reflect.DeepEqual(got.Status.NonResourceRules, wantNonRes) {
				t.Errorf("rules = %+v %+v; want %+v %+v", got.Status.ResourceRules, got.Status.NonResourceRules, wantRes, wantNonRes)
			}
			if got.Status.Incomplete != tt.wantIncomplete || (got.Status.EvaluationError != "") != tt.wantIncomplete {
				t.Errorf("incomplete = %v %q; want %v", got.Status.Incomplete, got.Status.EvaluationError, tt.wantIncomplete)
			}
		})
	}
}

func TestSelfReviewsPassThrough(t *testing.T) {
	h := SelfReviews(http.NotFoundHandler(), nil, nil)
	for _, url := range []string{"/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "/api/v1/namespaces/a/pods"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", url, strings.NewReader("{}")))
		if w.Code != 404 {
			t.Errorf("POST %s: code %d; want 404 from next", url, w.Code)
		}
	}
}
