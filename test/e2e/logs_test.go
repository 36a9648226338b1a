package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// logsManifest is a pod whose simulated container prints two lines when
// it starts, and a second container that prints them too.
const logsManifest = `apiVersion: v1
kind: Pod
metadata:
  name: talker
  annotations:
    sim.skiff.dev/log: |
      listening on :8000
      ready
spec:
  containers:
  - name: app
    image: whoami
  - name: side
    image: whoami
`

// stampedLine is a log line with --timestamps: RFC 3339 time, a space.
var stampedLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (listening on :8000|ready)$`)

// TestKubectlLogs drives `kubectl logs` against hollow nodes with each
// kubectl version (and the node proxy, `kubectl get --raw
// /api/v1/nodes/<node>/proxy/...`): the lines a simulated container prints, -c, --tail,
// --timestamps, --limit-bytes, -f until the container exits, --previous
// after a restart, and the errors for a wrong container and a missing
// previous instance; then exec, attach, port-forward and cp, which the
// hollow node refuses (testStreamsRefused).
func TestKubectlLogs(t *testing.T) {
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) { testKubectlLogs(t, version) })
	}
}

func testKubectlLogs(t *testing.T, version string) {
	s, _ := startCluster(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, s, "logs-", 1, "--kubelet-port", strconv.Itoa(port))
	k := s.newKubectl(t, version, "e2e-logs")
	waitNodesReady(t, k, 1)
	k.ok("apply", "-f", k.file("talker.yaml", logsManifest))
	k.ok("wait", "--for=condition=Ready", "pod/talker", "--timeout=60s")

	wantOutput(t, k.run("logs", "talker", "-c", "app"), "listening on :8000\nready\n")
	wantOutput(t, k.run("logs", "talker", "-c", "side", "--tail=1"), "ready\n")
	wantOutput(t, k.run("logs", "talker", "-c", "app", "--limit-bytes=9"), "listening")
	stamped := k.ok("logs", "talker", "-c", "app", "--timestamps")
	lines := strings.Split(strings.TrimSuffix(stamped, "\n"), "\n")
	if len(lines) != 2 || !stampedLine.MatchString(lines[0]) || !stampedLine.MatchString(lines[1]) {
		t.Errorf("logs --timestamps printed %q", stamped)
	}
	// kubectl picks the first container when none is named, and says so.
	r := k.run("logs", "talker")
	if r.stdout != "listening on :8000\nready\n" || !strings.Contains(r.stderr, `Defaulted container "app" out of: app, side`) {
		t.Errorf("logs without -c: stdout %q stderr %q", r.stdout, r.stderr)
	}

	// The node proxy reaches the same kubelet API.
	wantOutput(t, k.run("get", "--raw", "/api/v1/nodes/logs-0/proxy/healthz"), "ok")
	wantOutput(t, k.run("get", "--raw", "/api/v1/nodes/logs-0/proxy/containerLogs/e2e-logs/talker/side"), "listening on :8000\nready\n")

	// kubectl checks the container itself (the server's 400 for it is
	// TestPodLog's).
	r = k.fails("logs", "talker", "-c", "nope")
	wantContains(t, "logs of a container the pod lacks", r.stderr, `container nope is not valid for pod talker`)
	r = k.fails("logs", "talker", "-c", "app", "--previous")
	wantContains(t, "logs --previous of a container never restarted", r.stderr,
		`Error from server (BadRequest): previous terminated container "app" in pod "talker" not found`)

	// A container that exits and is restarted: --previous shows the log
	// of the instance before.
	restarter := `apiVersion: v1
kind: Pod
metadata:
  name: restarter
  annotations:
    sim.skiff.dev/log: "attempt"
    sim.skiff.dev/exit-after: 500ms
    sim.skiff.dev/exit-code: "1"
spec:
  containers:
  - name: app
    image: busybox
`
	k.ok("apply", "-f", k.file("restarter.yaml", restarter))
	waitFor(t, "the restarter restarted once", func() (bool, string) {
		r := k.run("get", "pod", "restarter", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")
		n, _ := strconv.Atoi(r.stdout)
		return n >= 1, r.stdout + r.stderr
	})
	wantOutput(t, k.run("logs", "restarter", "--previous"), "attempt\n")

	// A Job's container exits after a second: -f follows it to the end.
	job := `apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        sim.skiff.dev/log: "working"
        sim.skiff.dev/exit-after: 1s
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
`
	k.ok("apply", "-f", k.file("job.yaml", job))
	waitFor(t, "the job's pod is running", func() (bool, string) {
		r := k.run("get", "pods", "-l", "job-name=once", "-o", "jsonpath={.items[0].status.phase}")
		return r.stdout == "Running" || r.stdout == "Succeeded", r.stdout + r.stderr
	})
	wantOutput(t, k.run("logs", "-f", "job/once"), "working\n")

	testStreamsRefused(t, k)
}

// testStreamsRefused: exec, attach, port-forward and cp reach the hollow
// node's kubelet through the server (pods/exec, pods/attach,
// pods/portforward), which refuses them by name: its simulated runtime
// has no processes and no ports. A container the pod lacks is the
// server's 400.
func testStreamsRefused(t *testing.T, k *kubectl) {
	t.Helper()
	refused := func(what string) string {
		return what + " is not available on node logs-0: its container runtime (sim://"
	}
	r := k.fails("exec", "talker", "-c", "app", "--", "ls")
	wantContains(t, "exec", r.stderr, "Error from server: "+refused("exec"))
	r = k.fails("exec", "talker", "-c", "nope", "--", "ls")
	wantContains(t, "exec in a container the pod lacks", r.stderr, "container nope is not valid for pod talker")
	r = k.fails("attach", "talker", "-c", "side")
	wantContains(t, "attach", r.stderr, refused("attach"))
	r = k.fails("port-forward", "pod/talker", ":8000")
	wantContains(t, "port-forward", r.stderr, refused("port-forward"))
	r = k.fails("cp", "talker:/etc/hosts", "hosts", "-c", "app")
	wantContains(t, "cp", r.stderr, refused("exec"))
}
