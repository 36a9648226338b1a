package audit

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// TestFailedAuthenticationEvent pins the event upstream's
// WithFailedAuthenticationAudit writes for a request authentication
// refused: stage ResponseStarted, no user, response status code 401 and
// the credentials it tried (filters/authn_audit.go getAuthMethods).
func TestFailedAuthenticationEvent(t *testing.T) {
	policy, err := ParsePolicy([]byte("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"))
	if err != nil {
		t.Fatal(err)
	}
	unauthorized := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	tests := []struct {
		name    string
		request func(r *http.Request)
		want    string
	}{
		{"no credentials", func(*http.Request) {}, "Authentication failed, no credentials provided"},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, "Authentication failed, attempted: bearer"},
		{"basic", func(r *http.Request) { r.SetBasicAuth("u", "p") }, "Authentication failed, attempted: basic"},
		{"access token", func(r *http.Request) { r.URL.RawQuery = "access_token=x" }, "Authentication failed, attempted: access_token"},
		{"bearer before x509", func(r *http.Request) {
			r.Header.Set("Authorization", "bearer nope")
			r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{}}}
		}, "Authentication failed, attempted: bearer, x509"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			h := Handler(unauthorized, Config{Policy: policy, Sink: sink,
				Now: func() time.Time { return time.Unix(0, 0) }, NewID: func() types.UID { return "id" }})
			r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods", nil)
			tt.request(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if len(sink.events) != 1 {
				t.Fatalf("events = %d; want 1", len(sink.events))
			}
			ev := sink.events[0]
			if ev.Stage != StageResponseStarted || ev.Level != LevelMetadata || ev.User.Username != "" || len(ev.User.Groups) != 0 {
				t.Errorf("event stage %q level %q user %+v; want ResponseStarted Metadata and no user", ev.Stage, ev.Level, ev.User)
			}
			if ev.ResponseStatus == nil || ev.ResponseStatus.Code != 401 || ev.ResponseStatus.Message != tt.want {
				t.Errorf("responseStatus = %+v; want code 401, message %q", ev.ResponseStatus, tt.want)
			}
		})
	}
}
