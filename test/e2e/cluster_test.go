package e2e

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// The scenarios that need pods to run start a cluster the one way this
// file offers: startCluster runs a server with its controllers and
// scheduler (and no local agent), startAgent adds `skiff agent --simulate
// N` processes of hollow nodes to it, and waitNodesReady waits for them.
// Every process is stopped by PID when the test that started it ends.

// startCluster runs a server with its controllers and scheduler, plus
// flags; it returns the server and a client-go clientset of its admin.
func startCluster(t *testing.T, flags ...string) (*server, kubernetes.Interface) {
	t.Helper()
	s := launchServer(t, flags...)
	cs, err := kubernetes.NewForConfig(s.restConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return s, cs
}

// restConfig is the client configuration of s's admin kubeconfig.
func (s *server) restConfig(t *testing.T) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// agentDefaults are the simulated runtime's pod start latency and stop
// delay, and no kubelet API (agents of one test would share port 10250
// on 127.0.0.1), unless a scenario passes its own.
var agentDefaults = map[string]string{"--pod-start-latency": "20ms", "--pod-stop-delay": "50ms", "--kubelet-port": "0"}

// startAgent runs `skiff agent --simulate n` against s with nodes named
// <prefix>0..., plus flags (which may override agentDefaults); it is
// stopped with SIGTERM when t ends unless stopped before.
func startAgent(t *testing.T, s *server, prefix string, n int, flags ...string) *process {
	t.Helper()
	args := []string{"agent", "--kubeconfig", s.kubeconfig, "--simulate", strconv.Itoa(n), "--node-name-prefix", prefix}
	for _, f := range slices.Sorted(maps.Keys(agentDefaults)) {
		if !slices.Contains(flags, f) {
			args = append(args, f, agentDefaults[f])
		}
	}
	args = append(args, flags...)
	a, err := startProcess("agent "+prefix, filepath.Join(s.dir, prefix+"agent.log"), skiffBinary(t), args...)
	if err != nil {
		t.Fatal(err)
	}
	a.stopAtCleanup(t, 20)
	return a
}

// waitNodesReady waits until kubectl lists n Ready nodes.
func waitNodesReady(t *testing.T, k *kubectl, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d hollow nodes Ready", n), func() (bool, string) {
		r := k.run("get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}`)
		return strings.Count(r.stdout, "=True") == n, r.stdout + r.stderr
	})
}

// readyPods lists the Ready pods of app=web in ns by node, skipping pods
// being deleted.
func readyPods(ctx context.Context, cs kubernetes.Interface, ns string) (map[string]string, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range list.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
				out[p.Name] = p.Spec.NodeName
			}
		}
	}
	return out, nil
}

// waitFor polls cond every 200 ms for up to 60 s.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	poll(t, what, 60*time.Second, 200*time.Millisecond, cond)
}

// waitUntil polls cond every 500 ms for up to timeout.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	poll(t, what, timeout, 500*time.Millisecond, cond)
}

// poll runs cond every interval until it holds, failing t after timeout
// with cond's last explanation.
func poll(t *testing.T, what string, timeout, interval time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out after %v; last: %s", what, timeout, last)
		}
		time.Sleep(interval)
	}
}
