package kubelet

import (
	"encoding/json"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// versioned is a Runtime that reports a version.
type versioned struct{ Runtime }

func (versioned) Version() string { return "fake://1.0" }

// TestStreams: exec, attach and port-forward are routed, authorized as
// nodes/proxy, and answer upstream's 404s for a pod or container the
// node does not run; for one it does, a 501 Status that names the node
// and its runtime, which has no streams.
func TestStreams(t *testing.T) {
	k, _ := newLogKubelet(t)
	k.cfg.Runtime = versioned{k.cfg.Runtime}
	base, admin, alice := serveLogs(t, k)
	const refused = " is not available on node n1: its container runtime (fake://1.0) offers no streams"
	tests := []struct {
		name, method, path string
		alice              bool
		wantCode           int
		want               string // the Status message with 501, else the body
	}{
		{"exec over SPDY", "POST", "/exec/ns/web/app?command=ls&output=1", false, 501, "exec" + refused},
		{"exec over WebSocket", "GET", "/exec/ns/web/init?command=ls&output=1", false, 501, "exec" + refused},
		{"attach", "POST", "/attach/ns/web/app?input=1&tty=1", false, 501, "attach" + refused},
		{"port-forward", "POST", "/portForward/ns/web?port=80", false, 501, "port-forward" + refused},
		{"unknown pod", "POST", "/exec/ns/nope/app?command=ls", false, 404, "pod does not exist"},
		{"unknown pod, port-forward", "GET", "/portForward/ns/nope", false, 404, "pod does not exist"},
		{"container not in the spec", "POST", "/attach/ns/web/nope", false, 404, `container not found ("nope")`},
		{"another method", "PUT", "/exec/ns/web/app", false, 405, "Method Not Allowed"},
		{"not allowed nodes/proxy", "POST", "/exec/ns/web/app", true, 403,
			"Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := &admin
			if tt.alice {
				cert = &alice
			}
			resp, body := kubeletCall(t, cert, tt.method, base+tt.path)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("%s %s = %d %q; want %d", tt.method, tt.path, resp.StatusCode, body, tt.wantCode)
			}
			if tt.wantCode != http.StatusNotImplemented {
				if string(body) != tt.want {
					t.Errorf("%s %s body %q; want %q", tt.method, tt.path, body, tt.want)
				}
				return
			}
			var st metav1.Status
			if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" ||
				st.Status != metav1.StatusFailure || st.Code != 501 || st.Message != tt.want {
				t.Errorf("%s %s body %s (%v); want a v1 Status, Failure, code 501, message %q", tt.method, tt.path, body, err, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q; want application/json", ct)
			}
		})
	}
}
