package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// impersonators lets "admin" impersonate anyone, and "bob" only user
// alice and group dev.
type impersonators struct{}

func (impersonators) Authorize(u User, a Attributes) (bool, string) {
	if u.Name == "admin" {
		return true, ""
	}
	if u.Name == "bob" && a.Verb == "impersonate" {
		return (a.Resource == "users" && a.Name == "alice") || (a.Resource == "groups" && a.Name == "dev"), ""
	}
	return false, ""
}

func TestImpersonate(t *testing.T) {
	var got User
	h := Impersonate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = UserFrom(r.Context())
		if r.Header.Get(ImpersonateUserHeader) != "" {
			t.Errorf("impersonation header reached the handler")
		}
	}), impersonators{})
	tests := []struct {
		name     string
		real     string
		headers  map[string][]string
		wantCode int
		wantUser User
		wantMsg  string
	}{
		{"no impersonation", "bob", nil, 200, User{Name: "bob"}, ""},
		{"user and group", "bob", map[string][]string{"Impersonate-User": {"alice"}, "Impersonate-Group": {"dev"}}, 200,
			User{Name: "alice", Groups: []string{"dev", "system:authenticated"}}, ""},
		{"user denied", "bob", map[string][]string{"Impersonate-User": {"carol"}}, 403, User{},
			`users "carol" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope`},
		{"group denied", "bob", map[string][]string{"Impersonate-User": {"alice"}, "Impersonate-Group": {"system:masters"}}, 403, User{},
			`groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope`},
		{"service account", "admin", map[string][]string{"Impersonate-User": {"system:serviceaccount:ns:robot"}}, 200,
			User{Name: "system:serviceaccount:ns:robot", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"}}, ""},
		{"service account denied", "bob", map[string][]string{"Impersonate-User": {"system:serviceaccount:ns:robot"}}, 403, User{},
			`serviceaccounts "robot" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns"`},
		{"uid and extra", "admin", map[string][]string{"Impersonate-User": {"alice"}, "Impersonate-Uid": {"u-1"}, "Impersonate-Extra-Scopes%2fA": {"x", "y"}}, 200,
			User{Name: "alice", UID: "u-1", Groups: []string{"system:authenticated"}, Extra: map[string][]string{"scopes/a": {"x", "y"}}}, ""},
		{"uid denied", "bob", map[string][]string{"Impersonate-User": {"alice"}, "Impersonate-Uid": {"u-1"}}, 403, User{},
			`uids.authentication.k8s.io "u-1" is forbidden: User "bob" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`},
		{"anonymous", "admin", map[string][]string{"Impersonate-User": {"system:anonymous"}}, 200,
			User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, ""},
		{"group without user", "admin", map[string][]string{"Impersonate-Group": {"dev"}}, 400, User{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = User{}
			r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods", nil)
			for k, vs := range tt.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			r = r.WithContext(WithUser(r.Context(), User{Name: tt.real}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("code = %d (%s); want %d", w.Code, w.Body, tt.wantCode)
			}
			if tt.wantMsg != "" {
				var st metav1.Status
				if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Message != tt.wantMsg {
					t.Errorf("message = %q (%v); want %q", st.Message, err, tt.wantMsg)
				}
			}
			if w.Code == 200 && !reflect.DeepEqual(got, tt.wantUser) {
				t.Errorf("user = %+v; want %+v", got, tt.wantUser)
			}
		})
	}
}
