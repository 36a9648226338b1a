package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// upgradingKubelet is a kubelet's stream endpoint: it records what it was
// asked and by whom, switches to the protocol asked for and echoes what
// it reads; a request for pod "refusing" gets a 501 Status, as Skiff's
// hollow kubelets answer.
type upgradingKubelet struct {
	mu      sync.Mutex
	path    string
	query   string
	user    string
	headers http.Header
}

func (k *upgradingKubelet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.path, k.query, k.headers = r.URL.Path, r.URL.RawQuery, r.Header.Clone()
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		k.user = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	k.mu.Unlock()
	if strings.Contains(r.URL.Path, "/refusing") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no streams here","code":501}`)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", r.Header.Get("Upgrade"))
	_ = rw.Flush()
	line, err := rw.ReadString('\n')
	if err != nil {
		return
	}
	_, _ = rw.WriteString("echo: " + line)
	_ = rw.Flush()
}

func (k *upgradingKubelet) last() (path, query, user string, headers http.Header) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.path, k.query, k.user, k.headers
}

// upgrade sends an HTTP/1.1 request asking to switch to protocol over a
// connection of its own, with the admin's certificate, and returns the
// answer and the connection's reader and writer.
func upgrade(t *testing.T, method, path, protocol string, header http.Header) (*http.Response, *bufio.ReadWriter) {
	t.Helper()
	return upgradeOn(t, shared, method, path, protocol, header)
}

// upgradeOn is upgrade against the server ts.
func upgradeOn(t *testing.T, ts *testServer, method, path, protocol string, header http.Header) (*http.Response, *bufio.ReadWriter) {
	t.Helper()
	tlsCfg, err := rest.TLSConfigFor(ts.cfg)
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg = tlsCfg.Clone()
	tlsCfg.NextProtos = []string{"http/1.1"}
	u, err := url.Parse(ts.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", u.Host, tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	req, err := http.NewRequestWithContext(context.Background(), method, ts.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", protocol)
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	rw := bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn))
	resp, err := http.ReadResponse(rw.Reader, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, rw
}

// TestPodStreams: pods/exec, pods/attach and pods/portforward are proxied
// to the kubelet of the pod's node, as upstream's: the kubelet is asked
// for /exec/<ns>/<pod>/<container> (/attach/..., /portForward/<ns>/<pod>)
// with its own parameter names, as the server's kubelet client and
// without the caller's impersonation headers (the request is authorized
// as the impersonated user); when it switches protocols the two
// connections are joined both ways; any other answer comes back as it
// is, and a kubelet that does not answer is a 500. The pod, its container
// and its node are checked first with upstream's errors, and a request
// that does not ask to upgrade is a 400.
func TestPodStreams(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	kubelet := &upgradingKubelet{}
	host, port := startFakeKubelet(t, kubelet)
	node := kubeletNode(t, "stream-node", port, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: host})
	pod := func(name, nodeName string, containers ...string) { boundPod(t, ns, name, nodeName, containers...) }
	pod("web", node, "app")
	pod("two", node, "a", "b")
	pod("pending", "", "app")
	pod("refusing", node, "app")
	pods := "/api/v1/namespaces/" + ns + "/pods/"
	// stream-editor holds the edit role, which may create pods/exec.
	bindClusterRole(t, ns, "stream-editor", "edit")
	eventually(t, "stream-editor may create pods/exec", func() error {
		review, err := shared.cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "stream-editor",
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "create", Resource: "pods", Subresource: "exec"},
		}}, metav1.CreateOptions{})
		if err == nil && !review.Status.Allowed {
			err = fmt.Errorf("not yet allowed: %s", review.Status.Reason)
		}
		return err
	})

	for _, tc := range []struct {
		name, method, path, protocol string
		header                       http.Header
		wantPath, wantQuery          string
	}{
		{"exec over SPDY", "POST", "web/exec?command=echo&command=hi&stdin=true&stdout=true&stderr=false&tty=true", "SPDY/3.1",
			http.Header{"X-Stream-Protocol-Version": {"v4.channel.k8s.io"}, "Impersonate-User": {"stream-editor"}},
			"/exec/" + ns + "/web/app", "command=echo&command=hi&input=1&output=1&tty=1"},
		{"attach over WebSocket", "GET", "two/attach?container=b&stdout=1&stderr=1", "websocket",
			http.Header{"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}},
			"/attach/" + ns + "/two/b", "error=1&output=1"},
		{"port-forward", "POST", "web/portforward?ports=80&ports=8080", "SPDY/3.1", nil,
			"/portForward/" + ns + "/web", "port=80&port=8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, rw := upgrade(t, tc.method, pods+tc.path, tc.protocol, tc.header)
			if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != tc.protocol {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("%s %s: %d %q (Upgrade %q); want 101 to %s", tc.method, tc.path, resp.StatusCode, body, resp.Header.Get("Upgrade"), tc.protocol)
			}
			if _, err := rw.WriteString("ping\n"); err != nil || rw.Flush() != nil {
				t.Fatalf("write through the joined connection: %v", err)
			}
			if got, err := rw.ReadString('\n'); err != nil || got != "echo: ping\n" {
				t.Errorf("read through the joined connection: %q, %v; want the kubelet's echo", got, err)
			}
			path, query, user, headers := kubelet.last()
			if path != tc.wantPath || query != tc.wantQuery || user != "kube-apiserver-kubelet-client" {
				t.Errorf("kubelet asked %s?%s by %q; want %s?%s by kube-apiserver-kubelet-client", path, query, user, tc.wantPath, tc.wantQuery)
			}
			for k, v := range tc.header {
				if strings.HasPrefix(k, "Impersonate-") {
					if got := headers.Values(k); len(got) > 0 {
						t.Errorf("kubelet got %s %q; want it dropped", k, got)
					}
				} else if got := headers.Get(k); got != v[0] {
					t.Errorf("kubelet got %s %q; want %q passed on", k, got, v[0])
				}
			}
		})
	}

	resp, rw := upgrade(t, "POST", pods+"refusing/exec?command=ls&stdout=true", "SPDY/3.1", nil)
	body, _ := io.ReadAll(io.LimitReader(rw, int64(resp.ContentLength)))
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusNotImplemented || st.Message != "no streams here" {
		t.Errorf("a kubelet's refusal: %d %q; want its 501 Status as it is", resp.StatusCode, body)
	}

	for _, tc := range []struct {
		path    string
		upgrade bool
		code    int
		msg     string
	}{
		{"two/exec?command=ls", true, 400, "a container name must be specified for pod two, choose one of: [a b]"},
		{"web/attach?container=nope", true, 400, "container nope is not valid for pod web"},
		{"pending/exec?command=ls", true, 400, "pod pending does not have a host assigned"},
		{"pending/portforward?ports=80", true, 400, "pod pending does not have a host assigned"},
		{"missing/exec?command=ls", true, 404, `pods "missing" not found`},
		{"web/exec?command=ls&stdin=maybe", true, 400, `invalid stdin "maybe"`},
		{"web/portforward?ports=http", true, 400, `invalid port "http"`},
		{"web/portforward?ports=0", true, 400, `invalid port "0"`},
		{"web/exec?command=ls&stdout=true", false, 400, "Upgrade request required"},
	} {
		var resp *http.Response
		var body []byte
		if tc.upgrade {
			var rw *bufio.ReadWriter
			resp, rw = upgrade(t, "POST", pods+tc.path, "SPDY/3.1", nil)
			body, _ = io.ReadAll(io.LimitReader(rw, int64(resp.ContentLength)))
		} else {
			resp, body = do(t, rawRequest{method: "POST", path: pods + tc.path})
		}
		if st := decodeStatus(t, body); resp.StatusCode != tc.code || !strings.Contains(st.Message, tc.msg) {
			t.Errorf("POST %s: %d %q; want %d %q", tc.path, resp.StatusCode, st.Message, tc.code, tc.msg)
		}
	}

	// A kubelet nothing answers for is upstream's 500.
	closed, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	boundPod(t, ns, "unreachable", kubeletNode(t, "silent-node", closed, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: host}), "app")
	resp, rw = upgrade(t, "POST", pods+"unreachable/exec?command=ls&stdout=true", "SPDY/3.1", nil)
	body, _ = io.ReadAll(io.LimitReader(rw, int64(resp.ContentLength)))
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(st.Message, "error dialing backend: ") {
		t.Errorf("exec on a node whose kubelet does not answer: %d %q; want 500 error dialing backend", resp.StatusCode, st.Message)
	}

	// Authorization is of create on pods/exec (POST), as upstream: a user
	// with no role is refused before the kubelet is asked.
	resp, rw = upgrade(t, "POST", pods+"web/exec?command=ls&stdout=true", "SPDY/3.1", http.Header{"Impersonate-User": {"stream-stranger"}})
	body, _ = io.ReadAll(io.LimitReader(rw, int64(resp.ContentLength)))
	want := `pods "web" is forbidden: User "stream-stranger" cannot create resource "pods/exec" in API group "" in the namespace "` + ns + `"`
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusForbidden || st.Message != want {
		t.Errorf("exec as a user without a role: %d %q; want 403 %q", resp.StatusCode, st.Message, want)
	}
}

// TestPodStreamEndsWithServer: a joined stream does not outlive the
// server: net/http's shutdown leaves hijacked connections alone, so the
// server ends them itself, and the client reads the end of its stream.
func TestPodStreamEndsWithServer(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := startServer(context.Background(), t.TempDir(), port)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = ts.srv.Stop()
		}
	})
	host, kport := startFakeKubelet(t, &upgradingKubelet{})
	ctx := ctxFor(t)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "stream-node"}, Status: corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: host}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(kport)}},
	}}
	if _, err := ts.cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{NodeName: node.Name,
		Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}
	if _, err := ts.cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, rw := upgradeOn(t, ts, "POST", "/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true", "SPDY/3.1", nil)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("exec: %d; want 101", resp.StatusCode)
	}
	if err := ts.srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	// upgradeOn set a 30-s deadline on the connection: a stream left open
	// would time out there instead of ending.
	start := time.Now()
	if got, err := rw.ReadString('\n'); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("read from the stream after the server stopped: %q, %v after %v; want its end", got, err, time.Since(start).Round(time.Millisecond))
	}
}

// TestProxyNotServed: pods/proxy and services/proxy, which would reach
// pod and Service addresses from the server, are not served, and the 404
// says so instead of reading as a missing pod or Service.
func TestProxyNotServed(t *testing.T) {
	ns := newNamespace(t)
	for _, path := range []string{"pods/web/proxy/", "pods/web:80/proxy/healthz", "services/web:http/proxy/"} {
		resource, _, _ := strings.Cut(path, "/")
		resp, body := do(t, rawRequest{method: "GET", path: "/api/v1/namespaces/" + ns + "/" + path})
		want := resource + "/proxy is not served: this server does not proxy to pod or Service addresses"
		if st := decodeStatus(t, body); resp.StatusCode != http.StatusNotFound || st.Reason != metav1.StatusReasonNotFound || !strings.HasPrefix(st.Message, want) {
			t.Errorf("GET %s: %d %s %q; want 404 NotFound %q", path, resp.StatusCode, st.Reason, st.Message, want)
		}
	}
	// Other unknown subresources keep the generic 404.
	resp, body := do(t, rawRequest{method: "GET", path: "/api/v1/namespaces/" + ns + "/configmaps/x/proxy"})
	if st := decodeStatus(t, body); resp.StatusCode != http.StatusNotFound || st.Message != "the server could not find the requested resource" {
		t.Errorf("GET configmaps/x/proxy: %d %q; want the generic 404", resp.StatusCode, st.Message)
	}
}
