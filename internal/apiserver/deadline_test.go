package apiserver

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestWithDeadline(t *testing.T) {
	s := &Server{cfg: Config{RequestTimeout: time.Minute}}
	for _, tt := range []struct {
		query   string
		want    time.Duration
		wantErr string
	}{
		{"", time.Minute, ""},
		{"?timeout=5s", 5 * time.Second, ""},
		{"?timeout=0s", time.Minute, ""}, // no timeout of the client's own
		{"?timeout=2m", time.Minute, ""}, // capped by the server's
		{"?timeout=-3s", time.Minute, ""},
		{"?timeout=bogus", 0, `invalid timeout specified in the request URL - time: invalid duration "bogus"`},
	} {
		r := httptest.NewRequest("GET", "/api/v1/namespaces/default/configmaps/x"+tt.query, nil)
		before := time.Now()
		ctx, cancel, err := s.withDeadline(context.Background(), r)
		if tt.wantErr != "" {
			if !apierrors.IsBadRequest(err) || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v; want a 400 saying %q", tt.query, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		deadline, _ := ctx.Deadline()
		if got := deadline.Sub(before); got < tt.want || got > tt.want+time.Second {
			t.Errorf("%q: deadline in %v; want %v", tt.query, got, tt.want)
		}
		cancel()
	}
}

func TestLongRunningRequest(t *testing.T) {
	for _, tt := range []struct {
		info requestInfo
		want bool
	}{
		{requestInfo{Verb: "watch"}, true},
		{requestInfo{Verb: "get", Subresource: "log"}, true},
		{requestInfo{Verb: "create", Subresource: "exec"}, true},
		{requestInfo{Verb: "get", Subresource: "attach"}, true},
		{requestInfo{Verb: "create", Subresource: "portforward"}, true},
		{requestInfo{Verb: "get", Subresource: "proxy"}, true},
		{requestInfo{Verb: "get"}, false},
		{requestInfo{Verb: "list"}, false},
		{requestInfo{Verb: "create", Subresource: "binding"}, false},
		{requestInfo{Verb: "update", Subresource: "status"}, false},
		{requestInfo{Verb: "deletecollection"}, false},
	} {
		if got := longRunningRequest(tt.info); got != tt.want {
			t.Errorf("longRunningRequest(%+v) = %v; want %v", tt.info, got, tt.want)
		}
	}
}

func TestErrTimedOut(t *testing.T) {
	st := errTimedOut.Status()
	if st.Code != 504 || st.Reason != "Timeout" || st.Message != "Timeout: request did not complete within the allotted timeout" {
		t.Errorf("errTimedOut = %+v; want upstream's 504 Timeout", st)
	}
}
