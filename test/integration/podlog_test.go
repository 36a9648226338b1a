package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// fakeKubelet answers /containerLogs as a kubelet would, recording what
// it was asked and by whom.
type fakeKubelet struct {
	mu       sync.Mutex
	paths    []string
	queries  []string
	users    []string
	status   int
	response string
}

func (f *fakeKubelet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.queries = append(f.queries, r.URL.RawQuery)
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		f.users = append(f.users, r.TLS.PeerCertificates[0].Subject.CommonName)
	}
	status, body := f.status, f.response
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (f *fakeKubelet) last() (path, query, user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.paths) == 0 {
		return "", "", ""
	}
	n := len(f.paths) - 1
	if n < len(f.users) {
		user = f.users[n]
	}
	return f.paths[n], f.queries[n], user
}

// startFakeKubelet serves kubelet (TLS, client certificates requested)
// on 127.0.0.1 until t ends, and returns its host and port.
func startFakeKubelet(t *testing.T, kubelet http.Handler) (string, int) {
	t.Helper()
	srv := httptest.NewUnstartedServer(kubelet)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	return host, port
}

// kubeletNode creates a Node named after prefix with addrs and kubelet
// port, deleted when t ends, and returns its name.
func kubeletNode(t *testing.T, prefix string, port int, addrs ...corev1.NodeAddress) string {
	t.Helper()
	ctx := ctxFor(t)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: uniqueName(prefix)}, Status: corev1.NodeStatus{
		Addresses:       addrs,
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}},
	}}
	if _, err := shared.cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shared.cs.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}) })
	return n.Name
}

// boundPod creates pod name in ns on nodeName ("": on none) with the
// containers named.
func boundPod(t *testing.T, ns, name, nodeName string, containers ...string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: nodeName}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
	}
	if _, err := shared.cs.CoreV1().Pods(ns).Create(ctxFor(t), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// bindClusterRole grants user the cluster role in ns through a
// RoleBinding named after the user.
func bindClusterRole(t *testing.T, ns, user, role string) {
	t.Helper()
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
	if _, err := shared.cs.RbacV1().RoleBindings(ns).Create(ctxFor(t), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestPodLog: pods/log is served as upstream's LogREST. The server asks
// the kubelet of the pod's node (its InternalIP and advertised port) for
// /containerLogs/<ns>/<pod>/<container> with the options, as the kubelet
// client user, and streams the answer back as text/plain; limitBytes is
// enforced by the server too. Options are validated (422), an unknown
// container or an ambiguous one is a 400, a pod on no node has an empty
// log, and a kubelet's 400 reaches the client with its text.
func TestPodLog(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	kubelet := &fakeKubelet{status: http.StatusOK, response: "one\ntwo\nthree\n"}
	host, port := startFakeKubelet(t, kubelet)
	internal := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: host}
	node := kubeletNode(t, "log-node", port, corev1.NodeAddress{Type: corev1.NodeHostName, Address: "no-such-host"}, internal)
	pod := func(name, nodeName string, containers ...string) { boundPod(t, ns, name, nodeName, containers...) }
	portless := kubeletNode(t, "portless", 0, internal)
	pod("web", node, "app")
	pod("elsewhere", portless, "app")
	pod("two", node, "a", "b")
	pod("pending", "", "app")
	logs := "/api/v1/namespaces/" + ns + "/pods/"

	resp, body := do(t, rawRequest{method: "GET", path: logs + "web/log?follow=true&timestamps=true&tailLines=2&sinceSeconds=60"})
	if resp.StatusCode != http.StatusOK || string(body) != "one\ntwo\nthree\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("log: %d %q (%s)", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	path, query, user := kubelet.last()
	if path != "/containerLogs/"+ns+"/web/app" || query != "follow=true&sinceSeconds=60&tailLines=2&timestamps=true" || user != "kube-apiserver-kubelet-client" {
		t.Errorf("kubelet asked %s?%s by %q", path, query, user)
	}

	got, err := shared.cs.CoreV1().Pods(ns).GetLogs("two", &corev1.PodLogOptions{Container: "b", Previous: true, LimitBytes: ptr.To[int64](5)}).DoRaw(ctx)
	if err != nil || string(got) != "one\nt" {
		t.Errorf("client-go log with limitBytes 5: %q, %v", got, err)
	}
	if path, query, _ := kubelet.last(); path != "/containerLogs/"+ns+"/two/b" || query != "limitBytes=5&previous=true" {
		t.Errorf("kubelet asked %s?%s", path, query)
	}

	resp, body = do(t, rawRequest{method: "GET", path: logs + "pending/log"})
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("log of an unbound pod: %d %q; want 200 and nothing", resp.StatusCode, body)
	}

	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"two/log", 400, "a container name must be specified for pod two, choose one of: [a b]"},
		{"web/log?container=nope", 400, "container nope is not valid for pod web"},
		{"web/log?tailLines=-1", 422, `PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{"web/log?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z", 422, "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{"web/log?tailLines=x", 400, `strconv.ParseInt: parsing "x": invalid syntax`},
		{"missing/log", 404, `pods "missing" not found`},
		{"elsewhere/log", 400, "serves no kubelet API: its kubelet port is 0"},
	} {
		resp, body := do(t, rawRequest{method: "GET", path: logs + tc.path})
		if st := decodeStatus(t, body); resp.StatusCode != tc.code || !strings.Contains(st.Message, tc.msg) {
			t.Errorf("GET %s: %d %q; want %d %q", tc.path, resp.StatusCode, st.Message, tc.code, tc.msg)
		}
	}

	kubelet.mu.Lock()
	kubelet.status, kubelet.response = http.StatusBadRequest, `container "app" in pod "web" is waiting to start: ContainerCreating`
	kubelet.mu.Unlock()
	// Stream is what kubectl logs uses; it reads the Status (DoRaw does not).
	_, err = shared.cs.CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{}).Stream(ctx)
	if !apierrors.IsBadRequest(err) || err.Error() != `container "app" in pod "web" is waiting to start: ContainerCreating` {
		t.Errorf("kubelet's 400: %v", err)
	}

	// Authorization is of get on pods/log: the view role holds it.
	kubelet.mu.Lock()
	kubelet.status, kubelet.response = http.StatusOK, "one\n"
	kubelet.mu.Unlock()
	asUser := func(user string) kubernetes.Interface {
		cfg := rest.CopyConfig(shared.cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	bindClusterRole(t, ns, "log-viewer", "view")
	eventually(t, "the viewer reads the log", func() error {
		got, err := asUser("log-viewer").CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{}).DoRaw(ctx)
		if err == nil && string(got) != "one\n" {
			return fmt.Errorf("log %q", got)
		}
		return err
	})
	_, err = asUser("log-stranger").CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{}).Stream(ctx)
	want := `pods "web" is forbidden: User "log-stranger" cannot get resource "pods/log" in API group "" in the namespace "` + ns + `"`
	if !apierrors.IsForbidden(err) || err.Error() != want {
		t.Errorf("log as a user without a role: %v; want %q", err, want)
	}

	resp, _ = do(t, rawRequest{method: "DELETE", path: logs + "web/log"})
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE pods/log: %d; want 405", resp.StatusCode)
	}
}

// TestNodeProxy: /api/v1/nodes/{name}/proxy/{path} reaches path on the
// node's kubelet API as the server's kubelet client, with the method,
// query and body, and hands back the kubelet's status, content type and
// body; {name}:{port} picks the port. A node without a kubelet port or
// an address, an unknown node and an unreachable kubelet get upstream's
// errors.
func TestNodeProxy(t *testing.T) {
	ctx := ctxFor(t)
	kubelet := &fakeKubelet{status: http.StatusOK, response: "ok"}
	host, port := startFakeKubelet(t, kubelet)
	portStr := strconv.Itoa(port)
	internal := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: host}
	node, portless := kubeletNode(t, "proxy-node", port, internal), kubeletNode(t, "proxy-portless", 0, internal)
	addressless := kubeletNode(t, "proxy-addressless", port)

	resp, body := do(t, rawRequest{method: "GET", path: "/api/v1/nodes/" + node + "/proxy/metrics/resource?x=1"})
	if resp.StatusCode != http.StatusOK || string(body) != "ok" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET through the proxy: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	if path, query, user := kubelet.last(); path != "/metrics/resource" || query != "x=1" || user != "kube-apiserver-kubelet-client" {
		t.Errorf("kubelet asked %s?%s by %q", path, query, user)
	}
	got, err := shared.cs.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes/" + node + "/proxy/healthz").DoRaw(ctx)
	if err != nil || string(got) != "ok" {
		t.Errorf("client-go GET through the proxy: %q, %v", got, err)
	}
	if path, _, _ := kubelet.last(); path != "/healthz" {
		t.Errorf("kubelet asked %s; want /healthz", path)
	}
	resp, _ = do(t, rawRequest{method: "GET", path: "/api/v1/nodes/" + portless + ":" + portStr + "/proxy/"})
	if path, _, _ := kubelet.last(); resp.StatusCode != http.StatusOK || path != "/" {
		t.Errorf("GET through {name}:{port}: %d, kubelet asked %q", resp.StatusCode, path)
	}

	kubelet.mu.Lock()
	kubelet.status, kubelet.response = http.StatusForbidden, "Forbidden (user=x, verb=create, resource=nodes, subresource(s)=[proxy])\n"
	kubelet.mu.Unlock()
	resp, body = do(t, rawRequest{method: "POST", path: "/api/v1/nodes/" + node + "/proxy/run/ns/p/c", contentType: "text/plain", body: []byte("cmd=ls")})
	if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(string(body), "Forbidden (user=x") {
		t.Errorf("POST through the proxy: %d %q; want the kubelet's 403 as it is", resp.StatusCode, body)
	}

	closed := httptest.NewUnstartedServer(http.NotFoundHandler())
	deadPort := closed.Listener.Addr().(*net.TCPAddr).Port
	closed.Listener.Close()
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/api/v1/nodes/" + portless + "/proxy/healthz", 400, "serves no kubelet API: its kubelet port is 0"},
		{"/api/v1/nodes/missing/proxy/healthz", 404, `nodes "missing" not found`},
		{"/api/v1/nodes/" + addressless + "/proxy/healthz", 400, "has no InternalIP or ExternalIP address"},
		{"/api/v1/nodes/" + node + ":99999/proxy/healthz", 400, `invalid port "99999"`},
		{"/api/v1/nodes/" + node + ":" + strconv.Itoa(deadPort) + "/proxy/healthz", 500, "error trying to reach service: "},
	} {
		resp, body := do(t, rawRequest{method: "GET", path: tc.path})
		if st := decodeStatus(t, body); resp.StatusCode != tc.code || !strings.Contains(st.Message, tc.msg) {
			t.Errorf("GET %s: %d %q; want %d %q", tc.path, resp.StatusCode, st.Message, tc.code, tc.msg)
		}
	}
}
