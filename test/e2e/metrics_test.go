package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsManifest is a Deployment whose simulated containers each use
// 300m of CPU and 64Mi of memory (the sim runtime's annotations) against
// a 100m request.
const metricsManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        sim.skiff.dev/cpu-usage: 300m
        sim.skiff.dev/memory-usage: 64Mi
    spec:
      containers:
      - name: web
        image: whoami
        resources:
          requests: {cpu: 100m, memory: 32Mi}
`

// topRow matches a `kubectl top` row: name, CPU in millicores, memory in Mi.
var topRow = regexp.MustCompile(`(?m)^(\S+)\s+(\d+)m\s+(?:\d+%\s+)?(\d+)Mi\b`)

// TestResourceMetrics drives the built-in metrics.k8s.io API the way users
// do, with each kubectl version: `kubectl top node` and `kubectl top pod` show what the hollow
// kubelets report, `kubectl get podmetrics` prints metrics-server's table,
// and an HPA made with `kubectl autoscale` scales the Deployment out on
// the CPU utilization it reads.
func TestResourceMetrics(t *testing.T) {
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) { testResourceMetrics(t, version) })
	}
}

func testResourceMetrics(t *testing.T, version string) {
	s, _ := startCluster(t, "--metric-resolution", "1s")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, s, "top-", 2, "--kubelet-port", strconv.Itoa(port))
	k := s.newKubectl(t, version, "e2e-metrics")
	waitNodesReady(t, k, 2)
	k.ok("apply", "-f", k.file("web.yaml", metricsManifest))

	waitFor(t, "kubectl top pod shows both pods at 300m and 64Mi", func() (bool, string) {
		r := k.run("top", "pod", "-l", "app=web")
		rows := topRow.FindAllStringSubmatch(r.stdout, -1)
		if len(rows) != 2 {
			return false, r.stdout + r.stderr
		}
		for _, row := range rows {
			if !near(row[2], 300) || row[3] != "64" {
				return false, r.stdout
			}
		}
		return strings.HasPrefix(r.stdout, "NAME"), r.stdout
	})
	waitFor(t, "kubectl top node shows the pods' usage on their nodes", func() (bool, string) {
		r := k.run("top", "node", "-l", "node.kubernetes.io/instance-type=hollow")
		rows := topRow.FindAllStringSubmatch(r.stdout, -1)
		total := 0
		for _, row := range rows {
			m, _ := strconv.Atoi(row[2])
			total += m
		}
		return len(rows) == 2 && near(strconv.Itoa(total), 600) && strings.Contains(r.stdout, "CPU(cores)"), r.stdout + r.stderr
	})
	out := k.ok("get", "podmetrics", "-l", "app=web")
	// metrics-server's table: nanocores, memory, and the window (about
	// the 1 s resolution)
	if rows := regexp.MustCompile(`(?m)^web-\S+\s+\d+n\s+64Mi\s+[0-9.]+m?s$`).FindAllString(out, -1); len(rows) != 2 || !strings.HasPrefix(out, "NAME") {
		t.Errorf("kubectl get podmetrics printed %q; want NAME CPU MEMORY WINDOW and a row per pod", out)
	}

	// 300m used of 100m requested is 300% against a 50% target: the HPA
	// scales to its maximum.
	k.ok("autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=4")
	waitUntil(t, "HPA scales web to 4", 90*time.Second, func() (bool, string) {
		out := k.run("get", "hpa", "web", "-o", "jsonpath={.status.desiredReplicas}/{.status.currentMetrics[0].resource.current.averageUtilization}").stdout
		reps := k.run("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}").stdout
		parts := strings.SplitN(out, "/", 2)
		return len(parts) == 2 && parts[0] == "4" && near(parts[1], 300) && reps == "4", out + " replicas " + reps
	})
	wantContains(t, "kubectl get hpa", k.ok("get", "hpa", "web"), "Deployment/web", "%/50%")
}

// near reports whether the integer s is within 1% of want (rates are
// measured over windows timed to the millisecond).
func near(s string, want int) bool {
	v, err := strconv.Atoi(s)
	return err == nil && v*100 >= want*99 && v*100 <= want*101
}
