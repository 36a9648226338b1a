package scheduler

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/inproc"
)

// inprocClient is a clientset whose requests h answers in-process, as the
// scheduler's requests reach the API server.
func inprocClient(t *testing.T, h http.Handler) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(inproc.Config(h, "test"))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// writeStatus writes st as the body of a failed answer, whose code the
// handler has written.
func writeStatus(w http.ResponseWriter, st metav1.Status) {
	st.Kind, st.APIVersion = "Status", "v1"
	b, _ := json.Marshal(st)
	_, _ = w.Write(b)
}

// TestPatchStatus: the status patch goes as a strategic merge patch to the
// pod's status subresource; a success's answer is read to its end and
// dropped; a failure is the API's error, as the typed client reports it.
func TestPatchStatus(t *testing.T) {
	for _, tc := range []struct {
		code  int
		check func(error) bool
	}{
		{http.StatusOK, func(err error) bool { return err == nil }},
		{http.StatusNotFound, apierrors.IsNotFound},
		{http.StatusConflict, apierrors.IsConflict},
	} {
		var method, path, ctype, body string
		var answered bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			method, path, ctype, body = r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(b)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.code)
			if tc.code == http.StatusOK {
				_, _ = w.Write([]byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns"}}`))
				answered = true
				return
			}
			st := apierrors.NewNotFound(v1.Resource("pods"), "p").ErrStatus
			if tc.code == http.StatusConflict {
				st = apierrors.NewConflict(v1.Resource("pods"), "p", nil).ErrStatus
			}
			writeStatus(w, st)
		})
		cs := inprocClient(t, h)
		pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
		err := patchStatus(context.Background(), cs, pod, []byte(`{"status":{"nominatedNodeName":"n"}}`))
		if !tc.check(err) {
			t.Fatalf("answer %d: error %v", tc.code, err)
		}
		if method != http.MethodPatch || path != "/api/v1/namespaces/ns/pods/p/status" ||
			ctype != "application/strategic-merge-patch+json" || body != `{"status":{"nominatedNodeName":"n"}}` {
			t.Fatalf("sent %s %s (%s) %s", method, path, ctype, body)
		}
		if tc.code == http.StatusOK && !answered {
			t.Fatal("no answer written")
		}
	}
}

// TestEventSinkCreate: an event is created with protobuf at the
// namespace's events; the recorder gets the event it sent back, and a
// rejection as the API's error.
func TestEventSinkCreate(t *testing.T) {
	for _, code := range []int{http.StatusCreated, http.StatusConflict} {
		var method, path, ctype string
		var sent v1.Event
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			method, path, ctype = r.Method, r.URL.Path, r.Header.Get("Content-Type")
			if len(b) > 4 {
				var unk runtime.Unknown
				if err := unk.Unmarshal(b[4:]); err == nil {
					_ = sent.Unmarshal(unk.Raw)
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			if code == http.StatusCreated {
				_, _ = w.Write([]byte(`{"kind":"Event","apiVersion":"v1","metadata":{"name":"p.1","namespace":"ns","resourceVersion":"9"}}`))
				return
			}
			writeStatus(w, apierrors.NewAlreadyExists(v1.Resource("events"), "p.1").ErrStatus)
		})
		cs := inprocClient(t, h)
		ev := &v1.Event{ObjectMeta: metav1.ObjectMeta{Name: "p.1", Namespace: "ns"}, Reason: "FailedScheduling", Count: 1}
		got, err := (&eventSink{c: cs}).Create(ev)
		if method != http.MethodPost || path != "/api/v1/namespaces/ns/events" || ctype != "application/vnd.kubernetes.protobuf" ||
			sent.Name != "p.1" || sent.Reason != "FailedScheduling" {
			t.Fatalf("sent %s %s (%s) %+v", method, path, ctype, sent)
		}
		switch code {
		case http.StatusCreated:
			if err != nil || got != ev {
				t.Fatalf("created: %v, %v", got, err)
			}
		default:
			if !apierrors.IsAlreadyExists(err) || got != nil {
				t.Fatalf("rejected: %v, %v", got, err)
			}
		}
	}
}
