package inproc

import (
	"context"
	"io"
	"net/http"
	"sync"

	"k8s.io/client-go/rest"
)

// Transport serves requests with Handler in the calling process. It is safe
// for concurrent use.
type Transport struct {
	Handler http.Handler
	// User is attached to every request as the authenticated identity;
	// in-process components act as the server itself.
	User string
	// Groups are the identity's groups.
	Groups []string
}

// identityKey is the context key under which Transport puts itself on
// each request, for Identity to read its User and Groups.
type identityKey struct{}

// Identity returns the identity of the Transport that served a request.
// Only this package sets it, and no request that arrives over the network
// carries it, so it cannot be forged.
func Identity(r *http.Request) (user string, groups []string, ok bool) {
	t, ok := r.Context().Value(identityKey{}).(*Transport)
	if !ok {
		return "", nil, false
	}
	return t.User, t.Groups, true
}

// RoundTrip serves req and returns as soon as the handler has written its
// header; the body streams as the handler writes it. The identity goes in
// the request's context: a RoundTripper must not change the request it is
// given, and a copy with headers of its own would cost a clone of them
// all.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.WithContext(context.WithValue(req.Context(), identityKey{}, t))
	if req.Body == nil {
		req.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	w := &responseWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			w.writeHeaderOnce(http.StatusOK)
			pw.Close()
		}()
		t.Handler.ServeHTTP(w, req)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	return &http.Response{
		Status:     http.StatusText(w.code),
		StatusCode: w.code,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.sent,
		Body:       pr,
		Request:    req,
	}, nil
}

// responseWriter pipes the handler's output to the response body.
type responseWriter struct {
	header http.Header
	sent   http.Header
	late   http.Header
	code   int
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

// Header is the header to send until WriteHeader, which hands that map
// to the response. Afterwards it is a copy of what was sent, made on the
// first call: readers (the audit log's, say) still see the headers, and
// changes are lost, as over the network, without racing the client.
func (w *responseWriter) Header() http.Header {
	if w.sent != nil {
		if w.late == nil {
			w.late = w.sent.Clone()
		}
		return w.late
	}
	return w.header
}

func (w *responseWriter) WriteHeader(code int) { w.writeHeaderOnce(code) }

func (w *responseWriter) writeHeaderOnce(code int) {
	w.once.Do(func() {
		w.code = code
		w.sent = w.header
		close(w.ready)
	})
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.writeHeaderOnce(http.StatusOK)
	return w.body.Write(p)
}

// Flush is a no-op: every Write already reaches the reader.
func (w *responseWriter) Flush() {}

// Config returns a client-go config that talks to handler in-process,
// without client-side rate limits. Request bodies are protobuf, as
// upstream's scheduler, controller manager and kubelet send by default:
// client-go's typed clients pick protobuf themselves only for their
// generated verbs, not for helpers such as pods' Bind or events' create,
// which would otherwise send JSON. Dynamic and metadata clients set their
// own content types. Warnings are dropped: they are for users (the
// Endpoints controller would log the deprecation of v1 Endpoints on
// every write).
func Config(handler http.Handler, user string, groups ...string) *rest.Config {
	return &rest.Config{
		Host:           "http://skiff.inproc",
		Transport:      &Transport{Handler: handler, User: user, Groups: groups},
		QPS:            -1,
		Burst:          -1,
		WarningHandler: rest.NoWarnings{},
		ContentConfig: rest.ContentConfig{
			ContentType:        "application/vnd.kubernetes.protobuf",
			AcceptContentTypes: "application/vnd.kubernetes.protobuf,application/json",
		},
	}
}
