package inproc

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestConfigSendsProtobuf: a typed client's helper verbs (pods' Bind here),
// which client-go leaves on the config's content type, send protobuf as
// upstream's components do, and the caller's identity reaches the handler.
func TestConfigSendsProtobuf(t *testing.T) {
	var mu sync.Mutex
	var gotType, gotUser string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotType = r.Header.Get("Content-Type")
		gotUser, _, _ = Identity(r)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Success","code":201}`))
	})
	cs, err := kubernetes.NewForConfig(Config(h, "system:apiserver", "system:masters"))
	if err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n"}}
	if err := cs.CoreV1().Pods("default").Bind(context.Background(), b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotType != "application/vnd.kubernetes.protobuf" {
		t.Errorf("Bind sent Content-Type %q; want application/vnd.kubernetes.protobuf", gotType)
	}
	if gotUser != "system:apiserver" {
		t.Errorf("handler saw user %q; want system:apiserver", gotUser)
	}
}

// TestHeaderAfterWriteHeader: after WriteHeader a handler (or a filter
// around it, as the audit log's) still reads the headers it sent, and
// what it changes then reaches no one, as over the network.
func TestHeaderAfterWriteHeader(t *testing.T) {
	seen := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		seen <- w.Header().Get("Content-Type")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Late", "1")
		_, _ = w.Write([]byte("{}"))
	})
	req, err := http.NewRequest(http.MethodGet, "http://skiff.inproc/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&Transport{Handler: h, User: "u"}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != "application/json" {
		t.Errorf("after WriteHeader the handler read Content-Type %q; want application/json", got)
	}
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Late") != "" {
		t.Errorf("response %d with headers %v; want 201 and only what was set before WriteHeader", resp.StatusCode, resp.Header)
	}
}
