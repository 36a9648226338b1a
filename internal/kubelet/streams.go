package kubelet

import (
	"encoding/json"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The kubelet API routes of the streams the API server proxies pods/exec,
// pods/attach and pods/portforward to, as upstream's kubelet serves them
// (GET for WebSocket clients, POST for SPDY ones).
const (
	ExecPattern        = "/exec/{namespace}/{pod}/{container}"
	AttachPattern      = "/attach/{namespace}/{pod}/{container}"
	PortForwardPattern = "/portForward/{namespace}/{pod}"
)

// streams answers exec, attach and port-forward requests. The pod (and
// the container named) must be one this node runs: otherwise 404 with
// upstream's texts. Then the answer is a 501 Status naming the node and
// its runtime: Runtime has no streams (the simulated runtime runs no
// processes and listens on no ports), so there is nothing to connect the
// caller to. The API server passes the answer on, and kubectl prints it.
func (k *Kubelet) streams(what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		namespace, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
		pod, _, ok := k.podByName(namespace, name)
		if !ok {
			writeError(w, http.StatusNotFound, "pod does not exist")
			return
		}
		if container != "" && !hasContainer(pod, container) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("container not found (%q)", container))
			return
		}
		msg := fmt.Sprintf("%s is not available on node %s: its container runtime (%s) offers no streams", what, k.cfg.NodeName, k.cfg.Runtime.Version())
		writeStatus(w, http.StatusNotImplemented, msg)
	}
}

// writeStatus writes a failure as a metav1.Status, which client-go's
// stream clients decode and kubectl prints ("Error from server: msg").
// They would read a plain-text body as YAML first, and a text holding
// ": " as a map, printing nothing of it.
func writeStatus(w http.ResponseWriter, code int, msg string) {
	body, _ := json.Marshal(metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Message: msg, Code: int32(code),
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
