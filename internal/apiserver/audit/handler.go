package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// Sink receives events; Write must not keep ev after it returns and must be
// safe for concurrent use. *Log is the implementation.
type Sink interface {
	Write(ev *Event)
}

// Config configures Handler.
type Config struct {
	// Policy decides per request. Required.
	Policy *Policy
	// Sink receives the events. Required.
	Sink Sink
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID makes audit IDs; random UUIDs when nil. A request's own
	// Audit-ID header wins, as upstream.
	NewID func() types.UID
	// ToJSON turns a protobuf body into JSON, so that events carry the
	// request and response objects whatever the wire encoding, as
	// upstream's do; false when it cannot. When nil, events carry JSON
	// bodies only.
	ToJSON func(protobuf []byte) ([]byte, bool)
}

// maxErrorBody bounds how much of an error response is kept to read its
// Status from.
const maxErrorBody = 64 << 10

// Handler wraps next with auditing; see the package documentation. It
// must run after authentication.
func Handler(next http.Handler, cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewUUID
	}
	unauthenticated := failedAuthentication(next, cfg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := auth.UserFrom(r.Context())
		if !ok {
			// Wrapped around the 401 answer of authentication.
			unauthenticated.ServeHTTP(w, r)
			return
		}
		a := auth.AttributesFrom(r)
		d := cfg.Policy.Decide(u, a)
		if d.Level == LevelNone {
			next.ServeHTTP(w, r)
			return
		}
		ev := newEvent(r, u, a, d.Level, cfg)
		w.Header().Set("Audit-Id", string(ev.AuditID))
		if !d.omits(StageRequestReceived) {
			e := *ev
			cfg.Sink.Write(&e)
		}
		var reqBody *bytes.Buffer
		if !d.Level.Less(LevelRequest) && r.Body != nil && cfg.readable(r.Header.Get("Content-Type")) {
			reqBody = &bytes.Buffer{}
			r.Body = readCloser{io.TeeReader(r.Body, reqBody), r.Body}
		}
		rec := &recorder{ResponseWriter: w, all: d.Level == LevelRequestResponse && a.Verb != "watch"}
		ann := &annotations{}
		next.ServeHTTP(rec, r.WithContext(withAnnotations(r.Context(), ann)))
		complete(ev, d, cfg.asJSON(reqBody, r.Header.Get("Content-Type")), rec, cfg)
		ann.copyTo(ev)
		ev.StageTimestamp = metav1.NewMicroTime(cfg.Now())
		if !d.omits(StageResponseComplete) {
			cfg.Sink.Write(ev)
		}
	})
}

func newEvent(r *http.Request, u auth.User, a auth.Attributes, level Level, cfg Config) *Event {
	id := types.UID(r.Header.Get("Audit-ID"))
	if id == "" {
		id = cfg.NewID()
	}
	now := metav1.NewMicroTime(cfg.Now())
	ev := &Event{
		Kind: "Event", APIVersion: "audit.k8s.io/v1",
		Level: level, AuditID: id, Stage: StageRequestReceived,
		RequestURI: r.URL.RequestURI(), Verb: a.Verb,
		User:      authnv1.UserInfo{Username: u.Name, Groups: u.Groups},
		SourceIPs: sourceIPs(r), UserAgent: r.UserAgent(),
		RequestReceivedTimestamp: now, StageTimestamp: now,
	}
	if a.ResourceRequest {
		ev.ObjectRef = &ObjectReference{
			Resource: a.Resource, Namespace: a.Namespace, Name: a.Name,
			APIGroup: a.APIGroup, APIVersion: a.APIVersion, Subresource: a.Subresource,
		}
	}
	return ev
}

// complete fills the response side of ev; reqBody is the request's
// object as JSON, or nil.
func complete(ev *Event, d Decision, reqBody []byte, rec *recorder, cfg Config) {
	ev.Stage = StageResponseComplete
	code := rec.code
	if code == 0 {
		code = http.StatusOK
	}
	ev.ResponseStatus = &metav1.Status{Code: int32(code)}
	body := cfg.asJSON(&rec.body, rec.Header().Get("Content-Type"))
	if code >= 400 && body != nil {
		var st metav1.Status
		if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
			ev.ResponseStatus = &metav1.Status{Status: st.Status, Message: st.Message, Reason: st.Reason, Details: st.Details, Code: int32(code)}
		}
	}
	if len(reqBody) > 0 {
		ev.RequestObject = object(reqBody, d.OmitManagedFields)
	}
	if d.Level == LevelRequestResponse && rec.all && len(body) > 0 {
		ev.ResponseObject = object(body, d.OmitManagedFields)
	}
}

// readable reports whether a body of contentType can go into an event.
func (cfg Config) readable(contentType string) bool {
	return isJSON(contentType) || (cfg.ToJSON != nil && isProtobuf(contentType))
}

// asJSON is buf's content as JSON when it is JSON or, with ToJSON,
// protobuf; nil otherwise.
func (cfg Config) asJSON(buf *bytes.Buffer, contentType string) []byte {
	if buf == nil || buf.Len() == 0 {
		return nil
	}
	switch {
	case isJSON(contentType):
		if json.Valid(buf.Bytes()) {
			return buf.Bytes()
		}
	case cfg.ToJSON != nil && isProtobuf(contentType):
		if out, ok := cfg.ToJSON(buf.Bytes()); ok && json.Valid(out) {
			return out
		}
	}
	return nil
}

func object(raw []byte, omitManagedFields bool) json.RawMessage {
	out := json.RawMessage(bytes.TrimSpace(raw))
	if omitManagedFields {
		out = stripManagedFields(out)
	}
	return out
}

func isProtobuf(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/vnd.kubernetes.protobuf"
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "application/merge-patch+json")
}

// sourceIPs lists X-Forwarded-For, X-Real-Ip and the peer, as upstream.
func sourceIPs(r *http.Request) []string {
	var ips []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if net.ParseIP(s) != nil && !slices.Contains(ips, s) {
			ips = append(ips, s)
		}
	}
	for _, f := range strings.Split(r.Header.Get("X-Forwarded-For"), ",") {
		add(f)
	}
	add(r.Header.Get("X-Real-Ip"))
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		add(host)
	}
	return ips
}

type readCloser struct {
	io.Reader
	io.Closer
}

// recorder keeps the status code and (all or error) response bytes while
// passing everything through; it keeps Flush and Hijack working for
// watches and upgrades.
type recorder struct {
	http.ResponseWriter
	all  bool
	code int
	body bytes.Buffer
}

func (rec *recorder) WriteHeader(code int) {
	if rec.code == 0 {
		rec.code = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	if rec.all || (rec.code >= 400 && rec.body.Len() < maxErrorBody) {
		rec.body.Write(p)
	}
	return rec.ResponseWriter.Write(p)
}

func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := rec.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("audit: the response writer cannot be hijacked")
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
