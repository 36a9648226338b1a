package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// onlyGets allows get and list, and gives a reason for everything else.
type onlyGets struct{}

func (onlyGets) Authorize(u User, a Attributes) (bool, string) {
	if a.Verb == "get" || a.Verb == "list" {
		return true, ""
	}
	if a.Namespace == "reasons" {
		return false, "RBAC: role.rbac.authorization.k8s.io \"x\" not found"
	}
	return false, ""
}

func TestAuthorizeFilter(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("served")) })
	h := Authorize(next, onlyGets{})
	alice := User{Name: "alice", Groups: []string{"system:authenticated"}}
	tests := []struct {
		name, method, url string
		wantCode          int
		wantMsg           string
		wantDetails       *metav1.StatusDetails
	}{
		{"allowed", "GET", "/api/v1/namespaces/default/pods", 200, "", nil},
		{"named in namespace", "DELETE", "/api/v1/namespaces/default/pods/p1", 403,
			`pods "p1" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "default"`,
			&metav1.StatusDetails{Name: "p1", Kind: "pods"}},
		{"collection in namespace", "POST", "/api/v1/namespaces/default/pods", 403,
			`pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "default"`,
			&metav1.StatusDetails{Kind: "pods"}},
		{"cluster scope", "GET", "/api/v1/nodes?watch=true", 403,
			`nodes is forbidden: User "alice" cannot watch resource "nodes" in API group "" at the cluster scope`,
			&metav1.StatusDetails{Kind: "nodes"}},
		{"group and subresource", "PUT", "/apis/apps/v1/namespaces/a/deployments/d/scale", 403,
			`deployments.apps "d" is forbidden: User "alice" cannot update resource "deployments/scale" in API group "apps" in the namespace "a"`,
			&metav1.StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}},
		{"non-resource", "POST", "/metrics", 403, `forbidden: User "alice" cannot post path "/metrics"`, nil},
		{"html in the path is escaped", "POST", "/x/<b>&", 403, `forbidden: User "alice" cannot post path "/x/&lt;b&gt;&amp;"`, nil},
		{"reason appended", "DELETE", "/api/v1/namespaces/reasons/pods/p", 403,
			`pods "p" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "reasons": RBAC: role.rbac.authorization.k8s.io "x" not found`,
			&metav1.StatusDetails{Name: "p", Kind: "pods"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			r = r.WithContext(WithUser(r.Context(), alice))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("%s %s: code %d; want %d", tt.method, tt.url, w.Code, tt.wantCode)
			}
			if tt.wantCode == 200 {
				return
			}
			var st metav1.Status
			if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
				t.Fatalf("decode %q: %v", w.Body.String(), err)
			}
			if st.Kind != "Status" || st.Reason != metav1.StatusReasonForbidden || st.Code != 403 || st.Message != tt.wantMsg {
				t.Errorf("status = %s %s %d %q; want Status Forbidden 403 %q", st.Kind, st.Reason, st.Code, st.Message, tt.wantMsg)
			}
			if tt.wantDetails != nil && (st.Details == nil || !reflect.DeepEqual(*st.Details, *tt.wantDetails)) {
				t.Errorf("details = %+v; want %+v", st.Details, tt.wantDetails)
			}
		})
	}
}

func TestAuthorizeWithoutUser(t *testing.T) {
	h := Authorize(http.NotFoundHandler(), onlyGets{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("request without a user: code %d; want 500", w.Code)
	}
}

// TestDecisionInContext: behind Authorize a handler reads the user, the
// authorizer and the attributes it allowed from the request's context,
// with or without an impersonated user in between; a context that was
// never authorized has no decision, and WithDecision keeps the user.
func TestDecisionInContext(t *testing.T) {
	alice := User{Name: "alice", Groups: []string{"system:authenticated"}}
	var got struct {
		user   User
		attrs  Attributes
		az, ok bool
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.user, _ = UserFrom(r.Context())
		got.attrs, got.ok = AttributesFromContext(r.Context())
		_, got.az = AuthorizerFrom(r.Context())
	})
	for _, impersonated := range []bool{false, true} {
		r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods/p1", nil)
		r = r.WithContext(WithUser(r.Context(), alice))
		inner := r
		if impersonated {
			inner = r.WithContext(WithUser(r.Context(), User{Name: "bob"}))
		}
		got.ok, got.az = false, false
		Authorize(next, onlyGets{}).ServeHTTP(httptest.NewRecorder(), inner)
		want := "alice"
		if impersonated {
			want = "bob"
		}
		if got.user.Name != want || !got.ok || !got.az || got.attrs.Verb != "get" || got.attrs.Name != "p1" {
			t.Errorf("impersonated %v: handler saw user %q, attributes %+v (%v), authorizer %v; want %s getting p1", impersonated, got.user.Name, got.attrs, got.ok, got.az, want)
		}
		if _, ok := AttributesFromContext(r.Context()); ok && impersonated {
			t.Errorf("the real user's context has the impersonated request's decision")
		}
	}
	ctx := WithUser(context.Background(), alice)
	if _, ok := AttributesFromContext(ctx); ok {
		t.Error("a context never authorized has attributes")
	}
	ctx = WithDecision(ctx, onlyGets{}, Attributes{Verb: "list"})
	if u, ok := UserFrom(ctx); !ok || u.Name != "alice" {
		t.Errorf("UserFrom after WithDecision = %q, %v; want alice", u.Name, ok)
	}
	if a, ok := AttributesFromContext(ctx); !ok || a.Verb != "list" {
		t.Errorf("AttributesFromContext after WithDecision = %+v, %v", a, ok)
	}
	if _, ok := UserFrom(WithDecision(context.Background(), onlyGets{}, Attributes{})); ok {
		t.Error("WithDecision on a context with no user gave it one")
	}
}
