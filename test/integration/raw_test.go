package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rawRequest is one HTTP request against the shared server, as the admin.
type rawRequest struct {
	method, path, contentType, accept string
	body                              []byte
	// acceptEncoding, when set, is sent as Accept-Encoding, and the
	// response body is returned as sent (not decompressed).
	acceptEncoding string
}

// do sends req and returns the response with its body read.
func do(t *testing.T, req rawRequest) (*http.Response, []byte) {
	t.Helper()
	return doWith(t, shared.http, req)
}

func doWith(t *testing.T, client *http.Client, req rawRequest) (*http.Response, []byte) {
	t.Helper()
	r, err := http.NewRequestWithContext(ctxFor(t), req.method, shared.srv.URL+req.path, bytes.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	if req.accept != "" {
		r.Header.Set("Accept", req.accept)
	}
	if req.acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", req.acceptEncoding)
	}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", req.method, req.path, err)
	}
	return resp, body
}

// decodeStatus reads a metav1.Status response body.
func decodeStatus(t *testing.T, body []byte) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("response is not a Status: %v: %s", err, body)
	}
	if st.Kind != "Status" || st.APIVersion != "v1" {
		t.Errorf("error body kind %q apiVersion %q; want Status v1", st.Kind, st.APIVersion)
	}
	return st
}
