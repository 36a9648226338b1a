package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// nodeGrace is the server's --node-monitor-grace-period in this scenario:
// the agents renew their Leases every 10 s, so 20 s keeps live nodes Ready
// while a stopped one turns Unknown in well under a minute.
const nodeGrace = "20s"

const nodesManifest = `apiVersion: apps/v1
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
      tolerations:
      - key: node.kubernetes.io/unreachable
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 5
      containers:
      - name: web
        image: whoami
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
`

// TestNodeFailureReplacesPods stops (by PID) the agent of the hollow node
// running a Deployment's pods: kubectl shows the node Unknown with the
// unreachable taints, the pods are evicted after their tolerationSeconds
// and replaced on the other nodes, and kubectl get endpoints and
// endpointslices show the new pods' IPs.
func TestNodeFailureReplacesPods(t *testing.T) {
	s, cs := startCluster(t, "--node-monitor-grace-period", nodeGrace)
	k := s.newKubectl(t, kubectlVersions[len(kubectlVersions)-1], "nodes")
	ctx := context.Background()
	doomed := startAgent(t, s, "doomed-", 1)
	waitFor(t, "doomed-0 Ready with a podCIDR", func() (bool, string) {
		r := k.run("get", "node", "doomed-0", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}`)
		return strings.HasPrefix(r.stdout, "True 10.42."), r.stdout + r.stderr
	})
	k.ok("apply", "-f", k.file("web.yaml", nodesManifest))
	waitFor(t, "3 ready pods on doomed-0", func() (bool, string) {
		pods, err := readyPods(ctx, cs, "nodes")
		return err == nil && len(pods) == 3 && pods[firstKey(pods)] == "doomed-0", fmt.Sprint(pods, err)
	})
	waitEndpointIPs(t, k, cs)

	startAgent(t, s, "spare-", 2)
	waitNodesReady(t, k, 3)
	start := time.Now()
	doomed.stop(t, syscall.SIGKILL)

	waitFor(t, "doomed-0 Unknown and tainted unreachable", func() (bool, string) {
		r := k.run("get", "node", "doomed-0", "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason} {.spec.taints[*].key}`)
		return strings.HasPrefix(r.stdout, "Unknown/NodeStatusUnknown ") && strings.Contains(r.stdout, "node.kubernetes.io/unreachable"), r.stdout + r.stderr
	})
	t.Logf("node Unknown after %s", time.Since(start).Round(time.Second))
	if out := k.ok("get", "nodes"); !strings.Contains(out, "NotReady") {
		t.Errorf("kubectl get nodes:\n%s\nwant doomed-0 NotReady", out)
	}
	waitFor(t, "3 ready pods on the spare nodes", func() (bool, string) {
		pods, err := readyPods(ctx, cs, "nodes")
		if err != nil || len(pods) != 3 {
			return false, fmt.Sprint(pods, err)
		}
		for _, node := range pods {
			if !strings.HasPrefix(node, "spare-") {
				return false, fmt.Sprint(pods)
			}
		}
		return true, ""
	})
	t.Logf("pods replaced after %s", time.Since(start).Round(time.Second))
	if out := k.ok("get", "events", "--field-selector", "reason=TaintManagerEviction"); !strings.Contains(out, "Marking for deletion Pod nodes/web-") {
		t.Errorf("kubectl get events reason=TaintManagerEviction:\n%s\nwant the eviction events", out)
	}
	waitEndpointIPs(t, k, cs)
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

// waitEndpointIPs waits until kubectl get endpoints and get endpointslices
// show exactly the IPs of the ready web pods, on port 8080.
func waitEndpointIPs(t *testing.T, k *kubectl, cs kubernetes.Interface) {
	t.Helper()
	waitFor(t, "endpoints and endpointslices list the ready pods' IPs", func() (bool, string) {
		ready, err := readyPods(context.Background(), cs, "nodes")
		if err != nil {
			return false, err.Error()
		}
		var want []string
		for name := range ready {
			r := k.run("get", "pod", name, "-o", "jsonpath={.status.podIP}")
			want = append(want, r.stdout)
		}
		sort.Strings(want)
		eps := strings.Fields(k.run("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}").stdout)
		sort.Strings(eps)
		var slices []string // ready endpoints; evicted pods stay as terminating ones
		for _, e := range strings.Fields(k.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
			`jsonpath={range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready} {end}`).stdout) {
			if ip, ok := strings.CutSuffix(e, "=true"); ok {
				slices = append(slices, ip)
			}
		}
		sort.Strings(slices)
		table := k.run("get", "endpoints", "web").stdout
		sliceTable := k.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web").stdout
		ok := len(want) == 3 && fmt.Sprint(eps) == fmt.Sprint(want) && fmt.Sprint(slices) == fmt.Sprint(want) &&
			strings.Contains(table, want[0]+":8080") && strings.Contains(sliceTable, "IPv4") && strings.Contains(sliceTable, "8080")
		return ok, fmt.Sprintf("pods %v endpoints %v slices %v\n%s\n%s", want, eps, slices, table, sliceTable)
	})
	// v1 Endpoints is deprecated since 1.33: kubectl prints the server's
	// warning, as against upstream.
	wantContains(t, "kubectl get endpoints stderr", k.run("get", "endpoints", "web").stderr,
		"Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
	if r := k.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web"); strings.Contains(r.stderr, "Warning") {
		t.Errorf("kubectl get endpointslices stderr = %q; want no warning", r.stderr)
	}
}
