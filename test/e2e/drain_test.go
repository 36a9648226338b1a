package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// drainNodes is how many hollow nodes the drain scenario runs.
const drainNodes = 3

const drainManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: whoami
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`

// TestDrainHonoursPDB drains a node holding all three pods of a Deployment
// whose budget keeps two available: kubectl evicts one pod at a time
// (retrying on 429), the pods come back on the other hollow nodes, never
// fewer than two Ready, and the node ends cordoned.
func TestDrainHonoursPDB(t *testing.T) {
	s, cs := startCluster(t)
	startAgent(t, s, "drain-", drainNodes, "--pod-start-latency", "50ms", "--pod-stop-delay", "100ms")
	version := kubectlVersions[len(kubectlVersions)-1]
	k := s.newKubectl(t, version, "e2e-drain")
	ctx := context.Background()
	waitNodesReady(t, k, drainNodes)
	// Every pod lands on drain-0 while the others are cordoned.
	k.ok("cordon", "drain-1", "drain-2")
	k.ok("apply", "-f", k.file("web.yaml", drainManifest))
	waitFor(t, "3 Ready pods on drain-0", func() (bool, string) {
		pods, err := readyPods(ctx, cs, k.ns)
		n := 0
		for _, node := range pods {
			if node == "drain-0" {
				n++
			}
		}
		return err == nil && n == 3, fmt.Sprintf("%v %v", pods, err)
	})
	waitFor(t, "budget allows one disruption", func() (bool, string) {
		out := k.run("get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}/{.status.currentHealthy}/{.status.desiredHealthy}").stdout
		return out == "1/3/2", out
	})
	k.ok("uncordon", "drain-1", "drain-2")

	stop := watchMinReady(ctx, cs, k.ns)
	dctx, cancel := context.WithTimeout(ctx, 150*time.Second)
	defer cancel()
	cmd := k.command(dctx, []string{"drain", "drain-0", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if low := stop(); low < 2 {
		t.Errorf("Ready pods fell to %d during the drain; the budget keeps 2", low)
	}
	if err != nil {
		t.Fatalf("kubectl drain: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	t.Logf("$ kubectl drain drain-0 ...\n%s%s", stdout.String(), stderr.String())
	wantContains(t, "drain stdout", stdout.String(), "node/drain-0 cordoned", "evicted", "node/drain-0 drained")
	wantContains(t, "drain stderr", stderr.String(), "Cannot evict pod as it would violate the pod's disruption budget.")
	if n := strings.Count(stdout.String(), "evicted"); n != 3 {
		t.Errorf("drain evicted %d pods; want 3\n%s", n, stdout.String())
	}
	waitFor(t, "3 Ready pods off drain-0", func() (bool, string) {
		pods, err := readyPods(ctx, cs, k.ns)
		n := 0
		for _, node := range pods {
			if node != "drain-0" {
				n++
			}
		}
		return err == nil && n == 3, fmt.Sprintf("%v %v", pods, err)
	})
	if out := k.ok("get", "node", "drain-0", "-o", "jsonpath={.spec.unschedulable}"); out != "true" {
		t.Errorf("drain-0 unschedulable = %q; want true", out)
	}
	t.Run("scale-rc", func(t *testing.T) { testScaleRC(t, s.newKubectl(t, version, "e2e-rc")) })
}

const rcManifest = `apiVersion: v1
kind: ReplicationController
metadata:
  name: old
spec:
  replicas: 1
  selector: {app: old}
  template:
    metadata:
      labels: {app: old}
    spec:
      containers:
      - name: web
        image: whoami
`

// testScaleRC scales a ReplicationController with kubectl scale rc and
// waits for its status to show the Ready pods.
func testScaleRC(t *testing.T, k *kubectl) {
	k.ok("apply", "-f", k.file("rc.yaml", rcManifest))
	for _, n := range []string{"4", "2"} {
		wantContains(t, "kubectl scale rc", k.ok("scale", "rc", "old", "--replicas="+n), "replicationcontroller/old scaled")
		waitFor(t, "rc old at "+n, func() (bool, string) {
			out := k.run("get", "rc", "old", "-o", "jsonpath={.status.replicas}/{.status.readyReplicas}/{.status.availableReplicas}").stdout
			return out == n+"/"+n+"/"+n, out
		})
	}
	tb := parseTable(t, k.ok("get", "rc", "old"))
	wantCells(t, tb.row(t, "NAME", "old"), map[string]string{"DESIRED": "2", "CURRENT": "2", "READY": "2"})
}

// watchMinReady samples the Ready pods of app=web until stop is called and
// returns the lowest count seen.
func watchMinReady(ctx context.Context, cs kubernetes.Interface, ns string) func() int {
	ctx, cancel := context.WithCancel(ctx)
	low := 1 << 30
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			pods, err := readyPods(ctx, cs, ns)
			if err == nil {
				mu.Lock()
				low = min(low, len(pods))
				mu.Unlock()
			}
			return false, nil
		})
	}()
	return func() int {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return low
	}
}
