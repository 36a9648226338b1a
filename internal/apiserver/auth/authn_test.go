package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/inproc"
)

// rejecting fails every token that starts with "bad".
type rejecting struct{}

func (rejecting) AuthenticateToken(_ context.Context, token string) (User, bool, error) {
	if strings.HasPrefix(token, "bad") {
		return User{}, false, errors.New("token expired")
	}
	return User{}, false, nil
}

func TestAuthenticateTokens(t *testing.T) {
	tf, err := ParseTokenFile(strings.NewReader("good,alice,1,dev\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got User
	h := Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = UserFrom(r.Context())
		if r.Header.Get("Authorization") != "" {
			t.Errorf("authorization header reached the handler")
		}
	}), rejecting{}, tf)
	tests := []struct {
		name, path, header string
		wantCode           int
		wantUser           User
	}{
		{"token file user", "/api/v1/pods", "Bearer good", 200,
			User{Name: "alice", UID: "1", Groups: []string{"dev", "system:authenticated"}}},
		{"lower-case scheme", "/api/v1/pods", "bearer good", 200,
			User{Name: "alice", UID: "1", Groups: []string{"dev", "system:authenticated"}}},
		{"unknown token", "/api/v1/pods", "Bearer nope", 401, User{}},
		{"rejected token", "/api/v1/pods", "Bearer bad-1", 401, User{}},
		{"no credentials", "/api/v1/pods", "", 401, User{}},
		{"basic auth is no token", "/api/v1/pods", "Basic Zm9v", 401, User{}},
		{"public path anonymous", "/readyz", "", 200, User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}},
		{"public path wrong token", "/readyz", "Bearer nope", 401, User{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = User{}
			r := httptest.NewRequest("GET", tt.path, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("code = %d; want %d", w.Code, tt.wantCode)
			}
			// upstream's filters.Unauthorized: apierrors.NewUnauthorized("Unauthorized").
			const unauthorized = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}` + "\n"
			if w.Code == 401 && w.Body.String() != unauthorized {
				t.Errorf("401 body = %q; want %q", w.Body, unauthorized)
			}
			if !reflect.DeepEqual(got, tt.wantUser) {
				t.Errorf("user = %+v; want %+v", got, tt.wantUser)
			}
		})
	}
}

// TestAuthenticateInProcess: a request through the in-process transport
// acts as the transport's identity; a request from outside that names
// such an identity in headers (as the in-process transport once carried
// it) and shows no credentials is refused.
func TestAuthenticateInProcess(t *testing.T) {
	var got User
	h := Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = UserFrom(r.Context())
	}))
	tr := &inproc.Transport{Handler: h, User: "system:apiserver", Groups: []string{"system:masters"}}
	req := httptest.NewRequest("GET", "/api/v1/pods", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	want := User{Name: "system:apiserver", Groups: []string{"system:masters", "system:authenticated"}}
	if resp.StatusCode != 200 || !reflect.DeepEqual(got, want) {
		t.Fatalf("in-process request: code %d, user %+v; want 200 and %+v", resp.StatusCode, got, want)
	}

	got = User{}
	forged := httptest.NewRequest("GET", "/api/v1/pods", nil)
	forged.RemoteAddr, forged.TLS = "", nil
	forged.Header.Set("X-Skiff-Inproc-User", "system:apiserver")
	forged.Header.Set("X-Skiff-Inproc-Group", "system:masters")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, forged)
	if w.Code != 401 || !reflect.DeepEqual(got, User{}) {
		t.Fatalf("identity headers from outside: code %d, user %+v; want 401 and no user", w.Code, got)
	}
}
