package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/kubelet"
	"github.com/skiff-dev/skiff/internal/runtime/sim"
)

// TestHollowNodes runs 20 hollow nodes against a real server: they
// register and stay Ready, run a pod bound by hand, restart a crashed
// container with back-off, confirm a graceful deletion, and go stale once
// the agent stops.
func TestHollowNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, _, cs := startTestServer(t, ctx, ServerConfig{DataDir: dir, Logger: log})
	agent, err := StartAgent(ctx, AgentConfig{
		Kubeconfig: srv.Kubeconfig, Simulate: 20, Logger: log,
		LeaseRenewInterval: time.Second, LeaseDuration: 2 * time.Second,
	})
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	defer agent.Stop()

	waitFor(t, ctx, "20 Ready nodes", func() (bool, error) { return readyNodes(ctx, cs) == 20, nil })
	node := checkNode(t, ctx, cs, "hollow-3")

	pod := bindPod(t, ctx, cs, "hollow-3")
	var running *corev1.Pod
	waitFor(t, ctx, "pod Running and Ready", func() (bool, error) {
		p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		running = p
		return err == nil && p.Status.Phase == corev1.PodRunning && podReady(p), err
	})
	// The node's podCIDR comes from the IPAM controller, maybe after the
	// node was read above: read it again now that the pod runs.
	if node, err = cs.CoreV1().Nodes().Get(ctx, "hollow-3", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	checkRunningPod(t, running, node)

	rt := agent.Runtime("hollow-3")
	if err := rt.CrashOnStart(pod.Namespace, pod.Name, "app", 2); err != nil {
		t.Fatalf("CrashOnStart: %v", err)
	}
	if err := rt.Crash(pod.Namespace, pod.Name, "app", 2); err != nil {
		t.Fatalf("Crash: %v", err)
	}
	waitFor(t, ctx, "CrashLoopBackOff", func() (bool, error) {
		p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount >= 1 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" &&
			s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.ExitCode == 2 && !podReady(p), nil
	})
	backOff := fmt.Sprintf("Warning BackOff spec.containers{app} Back-off restarting failed container app in pod %s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
	waitFor(t, ctx, "BackOff event", func() (bool, error) {
		return slices.Contains(podKubeletEvents(ctx, t, cs, pod, "hollow-3"), backOff), nil
	})

	if err := cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	waitFor(t, ctx, "pod gone after the kubelet confirms", func() (bool, error) {
		_, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if got := readyNodes(ctx, cs); got != 20 {
		t.Errorf("Ready nodes after the pod tests = %d; want 20", got)
	}

	agent.Stop()
	lease, err := cs.CoordinationV1().Leases(kubelet.NodeLeaseNamespace).Get(ctx, "hollow-0", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	waitFor(t, ctx, "lease expired", func() (bool, error) {
		return time.Since(lease.Spec.RenewTime.Time) > time.Duration(*lease.Spec.LeaseDurationSeconds)*time.Second+time.Second, nil
	})
	after, err := cs.CoordinationV1().Leases(kubelet.NodeLeaseNamespace).Get(ctx, "hollow-0", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	if !after.Spec.RenewTime.Equal(lease.Spec.RenewTime) {
		t.Errorf("lease renewTime after the agent stopped = %v; want %v (not renewed)", after.Spec.RenewTime, lease.Spec.RenewTime)
	}
}

func checkNode(t *testing.T, ctx context.Context, cs kubernetes.Interface, name string) *corev1.Node {
	t.Helper()
	node, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	wantLabels := map[string]string{
		corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelInstanceTypeStable: "hollow",
	}
	for k, v := range wantLabels {
		if got := node.Labels[k]; got != v {
			t.Errorf("node label %s = %q; want %q", k, got, v)
		}
	}
	if got := node.Status.Addresses; len(got) != 2 || got[0].Address != "127.0.0.4" || got[1].Address != name {
		t.Errorf("node addresses = %v; want InternalIP 127.0.0.4 and Hostname %s", got, name)
	}
	if got := node.Status.Capacity.Pods().Value(); got != 110 {
		t.Errorf("node pod capacity = %d; want 110", got)
	}
	if got := node.Status.NodeInfo.KubeletVersion; got != kubelet.KubeletVersion {
		t.Errorf("kubeletVersion = %q; want %q", got, kubelet.KubeletVersion)
	}
	return node
}

func checkRunningPod(t *testing.T, p *corev1.Pod, node *corev1.Node) {
	t.Helper()
	cidr := sim.NodeCIDR(3)
	if node.Spec.PodCIDR != "" {
		cidr = node.Spec.PodCIDR
	}
	_, ipnet, _ := net.ParseCIDR(cidr)
	if ip := net.ParseIP(p.Status.PodIP); ip == nil || !ipnet.Contains(ip) {
		t.Errorf("podIP = %q; want an address of %s", p.Status.PodIP, cidr)
	}
	if p.Status.HostIP != "127.0.0.4" || p.Status.StartTime == nil || p.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("hostIP, startTime, qosClass = %q, %v, %q; want 127.0.0.4, set, BestEffort", p.Status.HostIP, p.Status.StartTime, p.Status.QOSClass)
	}
	for _, typ := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		if got := condition(p, typ); got != corev1.ConditionTrue {
			t.Errorf("condition %s = %q; want True", typ, got)
		}
	}
}

func bindPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, node string) *corev1.Pod {
	t.Helper()
	pod, err := cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hollow-pod"},
		Spec: corev1.PodSpec{
			SchedulerName:  "not-scheduled-here",
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	err = cs.CoreV1().Pods("default").Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("bind pod: %v", err)
	}
	return pod
}

func readyNodes(ctx context.Context, cs kubernetes.Interface) int {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0
	}
	n := 0
	for _, node := range nodes.Items {
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

func podReady(p *corev1.Pod) bool { return condition(p, corev1.PodReady) == corev1.ConditionTrue }

func condition(p *corev1.Pod, typ corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

// waitFor polls cond until it holds, failing the test on timeout.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond()
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(fmt.Errorf("free port: %w", err))
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestKubeletAPI runs hollow nodes with their kubelet APIs against a real
// server: the port is advertised, /metrics/resource reports a pod's
// simulated usage to the admin, a user RBAC denies gets 403, a request
// without a client certificate 401, a busy port fails a second agent, and
// the listeners close when the agent stops.
func TestKubeletAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, restCfg, cs := startTestServer(t, ctx, ServerConfig{DataDir: dir, Logger: log})
	port := freeTCPPort(t)
	agent, err := StartAgent(ctx, AgentConfig{Kubeconfig: srv.Kubeconfig, Simulate: 2, KubeletPort: port, Logger: log})
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	defer agent.Stop()
	node, err := cs.CoreV1().Nodes().Get(ctx, "hollow-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; got != int32(port) {
		t.Errorf("hollow-1 kubeletEndpoint.port = %d; want %d", got, port)
	}

	pod := bindPod(t, ctx, cs, "hollow-1")
	waitFor(t, ctx, "pod Running", func() (bool, error) {
		p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	if err := agent.Runtime("hollow-1").SetUsage(pod.Namespace, pod.Name, "app", 250, 64<<20); err != nil {
		t.Fatalf("SetUsage: %v", err)
	}
	url := fmt.Sprintf("https://127.0.0.2:%d%s", port, kubelet.ResourceMetricsPath)
	admin, err := tls.X509KeyPair(restCfg.TLSClientConfig.CertData, restCfg.TLSClientConfig.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	code, body := kubeletGet(t, url, &admin)
	wantMem := `container_memory_working_set_bytes{container="app",namespace="default",pod="hollow-pod"} 6.7108864e+07 `
	if code != http.StatusOK || !strings.Contains(body, wantMem) || !strings.Contains(body, "\nresource_scrape_error 0\n") {
		t.Errorf("GET %s as admin = %d\n%s\nwant 200 with %q", url, code, body, wantMem)
	}

	alice := clientCert(t, filepath.Join(dir, "server", "tls"), "alice")
	code, body = kubeletGet(t, url, &alice)
	if want := "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[metrics])\n"; code != http.StatusForbidden || body != want {
		t.Errorf("GET %s as alice = %d %q; want 403 %q", url, code, body, want)
	}
	if code, body = kubeletGet(t, url, nil); code != http.StatusUnauthorized || body != "Unauthorized" {
		t.Errorf("GET %s without a client certificate = %d %q; want 401 Unauthorized", url, code, body)
	}

	_, err = StartAgent(ctx, AgentConfig{Kubeconfig: srv.Kubeconfig, Simulate: 1, NodeNamePrefix: "busy-", KubeletPort: port, Logger: log})
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "--kubelet-port") {
		t.Errorf("StartAgent on a busy kubelet port: %v; want an address-in-use error naming --kubelet-port", err)
	}

	agent.Stop()
	if code, body := kubeletGet(t, url, &admin); code != 0 {
		t.Errorf("GET %s after the agent stopped = %d %q; want a connection error", url, code, body)
	}
}

// kubeletGet fetches url with cert as client certificate (none if nil),
// not verifying the self-signed kubelet; code is 0 when the request fails.
func kubeletGet(t *testing.T, url string, cert *tls.Certificate) (code int, body string) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // hollow kubelets serve self-signed certificates
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// clientCert signs a client certificate for user cn with the server's CA
// in tlsDir.
func clientCert(t *testing.T, tlsDir, cn string) tls.Certificate {
	t.Helper()
	ca, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "ca.crt"), filepath.Join(tlsDir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(ca.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, &key.PublicKey, ca.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestJoinedKubeletAPI checks the kubelet API of a hollow node that joined
// with the token: its SubjectAccessReviews go through a node identity,
// which the node authorizer must let create them.
func TestJoinedKubeletAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const token = "skfjoi.0123456789abcdef"
	srv, err := StartServer(ctx, ServerConfig{
		DataDir: dir, HTTPSPort: freeTCPPort(t), BindAddress: "127.0.0.1", Token: token,
		WriteKubeconfig: filepath.Join(dir, "kubeconfig.yaml"), Logger: log,
	})
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	defer srv.Stop()
	port := freeTCPPort(t)
	agent, err := StartAgent(ctx, AgentConfig{
		Server: srv.URL, Token: token, CertificateAuthority: filepath.Join(dir, "server", "tls", "ca.crt"),
		DataDir: t.TempDir(), Simulate: 1, NodeNamePrefix: "joined-", KubeletPort: port, Logger: log,
	})
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	defer agent.Stop()
	restCfg, err := clientcmd.BuildConfigFromFlags("", srv.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tls.X509KeyPair(restCfg.TLSClientConfig.CertData, restCfg.TLSClientConfig.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("https://127.0.0.1:%d%s", port, kubelet.HealthzPath)
	if code, body := kubeletGet(t, url, &admin); code != http.StatusOK || body != "ok" {
		t.Errorf("GET %s as admin = %d %q; want 200 ok", url, code, body)
	}
}

// startTestServer starts a server for cfg on a free loopback port,
// writing its kubeconfig into cfg.DataDir, and stops it when t ends; it
// returns the server, its admin's rest.Config and a clientset.
func startTestServer(t *testing.T, ctx context.Context, cfg ServerConfig) (*Server, *rest.Config, kubernetes.Interface) {
	t.Helper()
	cfg.HTTPSPort, cfg.BindAddress = freeTCPPort(t), "127.0.0.1"
	cfg.WriteKubeconfig = filepath.Join(cfg.DataDir, "kubeconfig.yaml")
	srv, err := StartServer(ctx, cfg)
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	restCfg, err := clientcmd.BuildConfigFromFlags("", srv.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return srv, restCfg, kubernetes.NewForConfigOrDie(restCfg)
}
