package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/app"
)

// shared is the server every test uses unless it needs its own.
var shared *testServer

// testServer is a running server and the clients that reach it.
type testServer struct {
	srv     *app.Server
	dataDir string
	port    int
	// cfg is the admin client config read from the written kubeconfig.
	cfg *rest.Config
	cs  kubernetes.Interface
	dyn dynamic.Interface
	// http is an HTTPS client carrying the admin certificate, for raw
	// requests against srv.URL.
	http *http.Client
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "skiff-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, "free port:", err)
		return 1
	}
	ts, err := startServer(context.Background(), dir, port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start server:", err)
		return 1
	}
	shared = ts
	code := m.Run()
	if err := ts.srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop server:", err)
	}
	return code
}

// startServer starts a server on dataDir and port and builds its clients
// from the kubeconfig it writes. Each edit changes the test config before
// the server starts.
func startServer(ctx context.Context, dataDir string, port int, edits ...func(*app.ServerConfig)) (*testServer, error) {
	kubeconfig := filepath.Join(dataDir, "kubeconfig.yaml")
	cfg := app.ServerConfig{
		DataDir:         dataDir,
		HTTPSPort:       port,
		BindAddress:     "127.0.0.1",
		WriteKubeconfig: kubeconfig,
		Logger:          testLogger(),
		// These tests drive the API alone: no controller or scheduler
		// writes behind their back (controllers have their own tests).
		DisableControllerManager: true,
		DisableScheduler:         true,
		Profiling:                true,
	}
	for _, edit := range edits {
		edit(&cfg)
	}
	srv, err := app.StartServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ts := &testServer{srv: srv, dataDir: dataDir, port: port}
	if err := ts.buildClients(); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	return ts, nil
}

func (ts *testServer) buildClients() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", ts.srv.Kubeconfig)
	if err != nil {
		return fmt.Errorf("read kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = -1, -1 // no client-side throttling in tests
	cfg.UserAgent = "skiff-integration"
	ts.cfg = cfg
	if ts.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if ts.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	if ts.http, err = rest.HTTPClientFor(cfg); err != nil {
		return err
	}
	return nil
}

func testLogger() *slog.Logger {
	if os.Getenv("SKIFF_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var nameSeq atomic.Int64

// uniqueName returns a DNS-label name unique within the test binary.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%s", prefix, nameSeq.Add(1), rand.String(4))
}

// newNamespace creates a fresh namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := uniqueName("it-" + strings.ToLower(sanitize(t.Name())))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := shared.cs.CoreV1().Namespaces().Create(ctxFor(t), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	waitNamespaceReady(t, name)
	return name
}

// waitNamespaceReady waits, as upstream's e2e framework does, until the
// server has published the default ServiceAccount and the kube-root-ca.crt
// ConfigMap into a new namespace, so tests see a settled namespace.
func waitNamespaceReady(t *testing.T, ns string) {
	t.Helper()
	ctx := ctxFor(t)
	for {
		_, errSA := shared.cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		_, errCM := shared.cs.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		if errSA == nil && errCM == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("namespace %s: no default service account or root CA: %v, %v", ns, errSA, errCM)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// sanitize keeps a short DNS-label-safe prefix of a test name.
func sanitize(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
		if b.Len() == 20 {
			break
		}
	}
	return b.String()
}

// ctxFor returns a context that ends with the test or after a minute.
func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// protobufConfig is a copy of the shared server's client config that
// speaks protobuf, as client-go does by default for built-in types, with
// JSON accepted for the kinds that have no protobuf encoding.
func protobufConfig() *rest.Config {
	cfg := rest.CopyConfig(shared.cfg)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return cfg
}
