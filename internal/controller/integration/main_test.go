package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/app"
)

var (
	srv *app.Server
	cs  kubernetes.Interface
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "skiff-controllers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "free port:", err)
		return 1
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SKIFF_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err = app.StartServer(context.Background(), app.ServerConfig{
		DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: dir + "/kubeconfig.yaml", Logger: log,
		// Silent hollow nodes turn Unknown (and their pods' nodes count as
		// gone for the pod GC) after 8 s instead of 40.
		NodeMonitorGracePeriod: 8 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start server:", err)
		return 1
	}
	defer srv.Stop()
	if cs, err = kubernetes.NewForConfig(srv.Loopback()); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	return m.Run()
}

var seq atomic.Int64

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, seq.Add(1))
	_, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	return name
}

// eventually polls cond every 50 ms for up to 20 s; it fails the test with
// the last reason cond gave.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (done bool, reason string, err error)) {
	t.Helper()
	var last string
	// A failed read is one more try, not the end: on a loaded machine a
	// read in flight when the time runs out fails too, and last should
	// still say where the controllers got to.
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		done, reason, err := cond(ctx)
		if err != nil {
			if ctx.Err() == nil {
				last = "read failed: " + err.Error()
			}
			return false, nil
		}
		last = reason
		return done, nil
	})
	if err != nil {
		t.Fatalf("%s: %v; last state: %s", what, err, last)
	}
}

// startHollowNodes runs n simulated nodes named <prefix>0..<prefix>n-1
// for one test. The scheduler places pods on them and their kubelets run
// them; at cleanup the agent stops and its Node objects are deleted, so
// later tests see no nodes unless they start their own.
func startHollowNodes(t *testing.T, prefix string, n int) *app.Agent {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.StartAgent(context.Background(), app.AgentConfig{
		REST: srv.Loopback(), Simulate: n, NodeNamePrefix: prefix, Logger: log,
		PodStartLatency: 10 * time.Millisecond,
		// Renew Leases every second: the server's grace period is 8 s.
		LeaseRenewInterval: time.Second, LeaseDuration: 8 * time.Second,
	})
	if err != nil {
		t.Fatalf("start %d hollow nodes: %v", n, err)
	}
	t.Cleanup(func() {
		a.Stop()
		for i := range n {
			_ = cs.CoreV1().Nodes().Delete(context.Background(), fmt.Sprintf("%s%d", prefix, i), metav1.DeleteOptions{})
		}
	})
	eventually(t, fmt.Sprintf("%d Ready nodes %s*", n, prefix), func(ctx context.Context) (bool, string, error) {
		ready := 0
		for i := range n {
			node, err := cs.CoreV1().Nodes().Get(ctx, fmt.Sprintf("%s%d", prefix, i), metav1.GetOptions{})
			if err != nil {
				continue
			}
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready == n, fmt.Sprintf("%d ready", ready), nil
	})
	return a
}
