package audit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

type memSink struct {
	mu     sync.Mutex
	events []Event
}

func (m *memSink) Write(ev *Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, *ev)
}

// api echoes create bodies back (with managedFields) and fails gets of
// "missing" with a NotFound Status.
var api = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if strings.HasSuffix(r.URL.Path, "/missing") {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"missing\" not found","reason":"NotFound","code":404}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
		return
	}
	_, _ = io.WriteString(w, `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","managedFields":[{"manager":"x"}]}}`)
})

func TestHandler(t *testing.T) {
	policy, err := ParsePolicy([]byte(`
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: [/healthz]
- level: RequestResponse
  users: [admin]
  omitManagedFields: true
- level: Request
  users: [writer]
  omitStages: [RequestReceived]
- level: Metadata
`))
	if err != nil {
		t.Fatalf("ParsePolicy() error = %v", err)
	}
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	body := `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","managedFields":[{"manager":"m"}]},"data":{"k":"djE="}}`
	tests := []struct {
		name, user, method, url, body string
		wantStages                    []Stage
		wantCode                      int32
		wantReason                    string
		wantRequest, wantResponse     string // substrings; "" means absent
	}{
		{name: "None writes nothing", user: "admin", method: "GET", url: "/healthz"},
		{name: "Metadata: no bodies", user: "viewer", method: "POST", url: "/api/v1/namespaces/ns/secrets", body: body,
			wantStages: []Stage{StageRequestReceived, StageResponseComplete}, wantCode: 201},
		{name: "Request: request body, stage omitted", user: "writer", method: "POST", url: "/api/v1/namespaces/ns/secrets", body: body,
			wantStages: []Stage{StageResponseComplete}, wantCode: 201, wantRequest: `"managedFields"`},
		{name: "RequestResponse: both bodies, managedFields omitted", user: "admin", method: "GET", url: "/api/v1/namespaces/ns/secrets/s",
			wantStages: []Stage{StageRequestReceived, StageResponseComplete}, wantCode: 200, wantResponse: `"name":"s"`},
		{name: "error status copied at Metadata", user: "viewer", method: "GET", url: "/api/v1/namespaces/ns/secrets/missing",
			wantStages: []Stage{StageRequestReceived, StageResponseComplete}, wantCode: 404, wantReason: "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			now := t0
			h := Handler(api, Config{Policy: policy, Sink: sink,
				Now:   func() time.Time { now = now.Add(time.Millisecond); return now },
				NewID: func() types.UID { return "id-1" }})
			r := httptest.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", "kubectl/v1.33")
			r = r.WithContext(auth.WithUser(r.Context(), auth.User{Name: tt.user, Groups: []string{"system:authenticated"}}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if len(sink.events) != len(tt.wantStages) {
				t.Fatalf("got %d events %+v; want stages %v", len(sink.events), sink.events, tt.wantStages)
			}
			for i, ev := range sink.events {
				if ev.Stage != tt.wantStages[i] || ev.AuditID != "id-1" || ev.User.Username != tt.user || ev.UserAgent != "kubectl/v1.33" || ev.RequestURI != tt.url {
					t.Errorf("event %d = %+v; want stage %s, id id-1, user %s, agent, uri %s", i, ev, tt.wantStages[i], tt.user, tt.url)
				}
				if !ev.StageTimestamp.After(ev.RequestReceivedTimestamp.Time) && ev.Stage == StageResponseComplete {
					t.Errorf("stageTimestamp %v not after requestReceivedTimestamp %v", ev.StageTimestamp, ev.RequestReceivedTimestamp)
				}
			}
			if len(sink.events) == 0 {
				if w.Header().Get("Audit-Id") != "" {
					t.Errorf("Audit-Id header = %q at level None; want none", w.Header().Get("Audit-Id"))
				}
				return
			}
			last := sink.events[len(sink.events)-1]
			if last.ResponseStatus == nil || last.ResponseStatus.Code != tt.wantCode || string(last.ResponseStatus.Reason) != tt.wantReason {
				t.Errorf("responseStatus = %+v; want code %d reason %q", last.ResponseStatus, tt.wantCode, tt.wantReason)
			}
			checkBody(t, "requestObject", last.RequestObject, tt.wantRequest)
			checkBody(t, "responseObject", last.ResponseObject, tt.wantResponse)
			if strings.Contains(string(last.ResponseObject), "managedFields") {
				t.Errorf("responseObject = %s; want managedFields omitted", last.ResponseObject)
			}
			if last.ObjectRef == nil || last.ObjectRef.Resource != "secrets" || last.ObjectRef.Namespace != "ns" || last.ObjectRef.APIVersion != "v1" {
				t.Errorf("objectRef = %+v; want secrets in ns, v1", last.ObjectRef)
			}
			if w.Header().Get("Audit-Id") != "id-1" {
				t.Errorf("Audit-Id header = %q; want id-1", w.Header().Get("Audit-Id"))
			}
		})
	}
}

func checkBody(t *testing.T, field string, got json.RawMessage, want string) {
	t.Helper()
	switch {
	case want == "" && len(got) > 0:
		t.Errorf("%s = %s; want none", field, got)
	case want != "" && !strings.Contains(string(got), want):
		t.Errorf("%s = %s; want it to contain %s", field, got, want)
	}
}

func TestLogWritesJSONLines(t *testing.T) {
	var b strings.Builder
	l := NewLog(&b)
	ts := metav1.NewMicroTime(time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC))
	for _, id := range []types.UID{"a", "b"} {
		l.Write(&Event{Kind: "Event", APIVersion: "audit.k8s.io/v1", AuditID: id, Stage: StageResponseComplete, RequestReceivedTimestamp: ts, StageTimestamp: ts})
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log = %q; want 2 lines", b.String())
	}
	for _, line := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev["kind"] != "Event" || ev["requestReceivedTimestamp"] != "2025-01-02T03:04:05.000006Z" {
			t.Errorf("line %s: decoded %v, %v; want an Event with requestReceivedTimestamp", line, ev, err)
		}
	}
}
