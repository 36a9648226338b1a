package e2e

import (
	"strings"
	"testing"
)

// TestHollowCluster runs the stories that need the scheduler, the
// controllers and hollow nodes, once per kubectl version, each version
// against its own server and agents.
func TestHollowCluster(t *testing.T) {
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) {
			parent := t
			s, cs := startCluster(t)
			startAgent(t, s, "plain-", 2)
			waitNodesReady(t, s.newKubectl(t, version, "default"), 2)
			t.Run("pending-until-node-joins", func(t *testing.T) {
				// The joining node's agent lives as long as the server:
				// later stories schedule onto it too.
				join := func() { startAgent(parent, s, "ssd-", 1, "--node-labels", "disk=ssd,tier=fast") }
				testPendingUntilNodeJoins(t, s.newKubectl(t, version, "e2e-pending"), join)
			})
			t.Run("scheduling-gates", func(t *testing.T) {
				testSchedulingGates(t, s.newKubectl(t, version, "e2e-gates"))
			})
			t.Run("host-network", func(t *testing.T) {
				testHostNetwork(t, s.newKubectl(t, version, "e2e-host"))
			})
			t.Run("readiness-gates", func(t *testing.T) {
				testReadinessGates(t, s.newKubectl(t, version, "e2e-readiness"))
			})
			t.Run("active-deadline", func(t *testing.T) {
				testActiveDeadline(t, s.newKubectl(t, version, "e2e-deadline"))
			})
			t.Run("kubelet-admission", func(t *testing.T) {
				testKubeletAdmission(t, s.newKubectl(t, version, "e2e-admission"))
			})
			t.Run("rolling-update", func(t *testing.T) {
				testRollingUpdate(t, s.newKubectl(t, version, "e2e-rollout"), cs)
			})
			t.Run("cascading-delete", func(t *testing.T) {
				testCascadingDelete(t, s.newKubectl(t, version, "e2e-cascade"))
			})
		})
	}
}

const pickyPod = `apiVersion: v1
kind: Pod
metadata:
  name: picky
spec:
  nodeSelector:
    disk: ssd
  containers:
  - name: c
    image: whoami
`

// testPendingUntilNodeJoins: a pod whose nodeSelector no node matches
// stays Pending with upstream's FailedScheduling reason, and runs once a
// hollow node with the label joins (join starts it).
func testPendingUntilNodeJoins(t *testing.T, k *kubectl, join func()) {
	wantOutput(t, k.run("apply", "-f", k.file("picky.yaml", pickyPod)), "pod/picky created")
	const msg = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. " +
		"preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
	waitFor(t, "PodScheduled=False Unschedulable", func() (bool, string) {
		out := k.run("get", "pod", "picky", "-o", `jsonpath={.status.phase} {.status.conditions[?(@.type=="PodScheduled")].reason}: {.status.conditions[?(@.type=="PodScheduled")].message}`).stdout
		return out == "Pending Unschedulable: "+msg, out
	})
	var describe string
	waitFor(t, "FailedScheduling event in describe", func() (bool, string) {
		describe = k.ok("describe", "pod", "picky")
		return strings.Contains(describe, "FailedScheduling"), describe
	})
	wantContains(t, "describe pod picky", describe, "FailedScheduling", msg)
	if got := describeField(describe, "Status"); got != "Pending" {
		t.Errorf("describe pod picky: Status %q; want Pending", got)
	}
	if got := describeField(describe, "Node-Selectors"); got != "disk=ssd" {
		t.Errorf("describe pod picky: Node-Selectors %q; want disk=ssd", got)
	}

	join()
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Running", "pod/picky", "--timeout=25s"), "pod/picky condition met")
	wantOutput(t, k.run("get", "pod", "picky", "-o", "jsonpath={.spec.nodeName}"), "ssd-0")
	wantOutput(t, k.run("get", "node", "ssd-0", "-o", "jsonpath={.metadata.labels.disk} {.metadata.labels.tier}"), "ssd fast")
	// The node's kubelet records its container events, as upstream's.
	waitFor(t, "kubelet events in describe", func() (bool, string) {
		describe = k.ok("describe", "pod", "picky")
		return strings.Contains(describe, "Started container c"), describe
	})
	wantContains(t, "describe pod picky once running", describe, "Successfully assigned "+k.ns+"/picky to ssd-0",
		"Created container: c", "Started container c")
	if got := describeField(describe, "Status"); got != "Running" {
		t.Errorf("describe pod picky once running: Status %q; want Running", got)
	}
}

// podManifest is a pod named name running one whoami container, with
// spec's lines (indented by two) before its containers.
func podManifest(name, spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n" + spec +
		"  containers:\n  - name: c\n    image: whoami\n"
}

// wantStatusColumn checks the STATUS column kubectl get prints for pod.
func wantStatusColumn(t *testing.T, k *kubectl, pod, want string) {
	t.Helper()
	out := k.ok("get", "pod", pod)
	if f := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1]); len(f) < 3 || f[2] != want {
		t.Errorf("kubectl get pod %s:\n%s\nwant STATUS %s", pod, out, want)
	}
}

// testSchedulingGates: a pod with a scheduling gate shows STATUS
// SchedulingGated in kubectl get and stays unscheduled; adding a gate is
// refused; once the gate is removed (a JSON patch) it runs.
func testSchedulingGates(t *testing.T, k *kubectl) {
	gated := podManifest("gated", "  schedulingGates:\n  - name: example.com/quota\n")
	wantOutput(t, k.run("apply", "-f", k.file("gated.yaml", gated)), "pod/gated created")
	wantStatusColumn(t, k, "gated", "SchedulingGated")
	// The scheduler's metrics, scraped as Prometheus does, count it apart.
	waitFor(t, "gated pod in scheduler_pending_pods", func() (bool, string) {
		m := k.ok("get", "--raw", "/metrics")
		return strings.Contains(m, "\nscheduler_pending_pods{queue=\"gated\"} 1\n") &&
			strings.Contains(m, "\nscheduler_schedule_attempts_total{profile=\"default-scheduler\",result=\"scheduled\"} "), schedulerMetricLines(m)
	})
	res := k.run("patch", "pod", "gated", "--type=json", "-p", `[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"more"}}]`)
	wantContains(t, "adding a gate", res.stderr, "only deletion is allowed, but found new scheduling gate 'more'")
	wantOutput(t, k.run("get", "pod", "gated", "-o", "jsonpath={.spec.nodeName}"), "")
	wantOutput(t, k.run("patch", "pod", "gated", "--type=json", "-p", `[{"op":"remove","path":"/spec/schedulingGates"}]`), "pod/gated patched")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Running", "pod/gated", "--timeout=25s"), "pod/gated condition met")
	waitFor(t, "no gated pod in scheduler_pending_pods", func() (bool, string) {
		m := k.ok("get", "--raw", "/metrics")
		return strings.Contains(m, "\nscheduler_pending_pods{queue=\"gated\"} 0\n"), schedulerMetricLines(m)
	})
}

// schedulerMetricLines are the scheduler_pending_pods and
// scheduler_schedule_attempts_total lines of a /metrics body.
func schedulerMetricLines(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "scheduler_pending_pods") || strings.HasPrefix(l, "scheduler_schedule_attempts_total") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// testHostNetwork: a pod on the host's network reports its node's address
// as its pod IP.
func testHostNetwork(t *testing.T, k *kubectl) {
	wantOutput(t, k.run("apply", "-f", k.file("host.yaml", podManifest("host", "  hostNetwork: true\n"))), "pod/host created")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Running", "pod/host", "--timeout=25s"), "pod/host condition met")
	ips := strings.Fields(k.run("get", "pod", "host", "-o", "jsonpath={.status.podIP} {.status.hostIP}").stdout)
	if len(ips) != 2 || ips[0] != ips[1] || !strings.HasPrefix(ips[0], "127.0.0.") {
		t.Errorf("hostNetwork pod: podIP, hostIP = %v; want the node's 127.0.0.x twice", ips)
	}
}

// testReadinessGates: a running pod with a readiness gate is not Ready
// (upstream's reason and message) until another controller sets the
// gate's condition through pods/status; then the kubelet makes it Ready.
func testReadinessGates(t *testing.T, k *kubectl) {
	lb := podManifest("lb", "  readinessGates:\n  - conditionType: example.com/lb\n")
	wantOutput(t, k.run("apply", "-f", k.file("lb.yaml", lb)), "pod/lb created")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Running", "pod/lb", "--timeout=25s"), "pod/lb condition met")
	ready := `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}`
	waitFor(t, "Ready=False ReadinessGatesNotReady", func() (bool, string) {
		out := k.run("get", "pod", "lb", "-o", ready).stdout
		return out == `False ReadinessGatesNotReady: corresponding condition of pod readiness gate "example.com/lb" does not exist.`, out
	})
	wantContains(t, "get pod lb -o wide", k.ok("get", "pod", "lb", "-o", "wide"), "0/1")
	wantOutput(t, k.run("patch", "pod", "lb", "--subresource=status", "--type=strategic", "-p",
		`{"status":{"conditions":[{"type":"example.com/lb","status":"True"}]}}`), "pod/lb patched")
	wantOutput(t, k.run("wait", "--for=condition=Ready", "pod/lb", "--timeout=25s"), "pod/lb condition met")
	wantContains(t, "get pod lb -o wide once ready", k.ok("get", "pod", "lb", "-o", "wide"), "1/1")
}

// testActiveDeadline: a running pod past its activeDeadlineSeconds is
// stopped (its container terminated) and Failed with upstream's reason,
// and the kubelet says so in an event.
func testActiveDeadline(t *testing.T, k *kubectl) {
	brief := podManifest("brief", "  activeDeadlineSeconds: 2\n")
	wantOutput(t, k.run("apply", "-f", k.file("brief.yaml", brief)), "pod/brief created")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Running", "pod/brief", "--timeout=25s"), "pod/brief condition met")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Failed", "pod/brief", "--timeout=25s"), "pod/brief condition met")
	wantOutput(t, k.run("get", "pod", "brief", "-o", "jsonpath={.status.reason}: {.status.message}"),
		"DeadlineExceeded: Pod was active on the node longer than the specified deadline")
	wantOutput(t, k.run("get", "pod", "brief", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}"), "Completed")
	waitFor(t, "DeadlineExceeded event in describe", func() (bool, string) {
		d := k.ok("describe", "pod", "brief")
		return strings.Contains(d, "DeadlineExceeded") && strings.Contains(d, "Pod was active on the node longer than the specified deadline"), d
	})
}

const hugePod = `apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  nodeName: plain-0
  containers:
  - name: c
    image: whoami
    resources:
      requests:
        cpu: "100"
`

// testKubeletAdmission: a pod bound by hand (spec.nodeName, no scheduler)
// to a node it does not fit is refused by that node's kubelet: Failed,
// STATUS OutOfcpu, upstream's message, and a Warning event.
func testKubeletAdmission(t *testing.T, k *kubectl) {
	wantOutput(t, k.run("apply", "-f", k.file("huge.yaml", hugePod)), "pod/huge created")
	wantOutput(t, k.run("wait", "--for=jsonpath={.status.phase}=Failed", "pod/huge", "--timeout=25s"), "pod/huge condition met")
	msg := k.run("get", "pod", "huge", "-o", "jsonpath={.status.reason}: {.status.message}").stdout
	wantContains(t, "rejected pod's status", msg, "OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu, requested: 100000, used: ")
	wantStatusColumn(t, k, "huge", "OutOfcpu")
	// The kubelet's Warning event, as upstream's.
	waitFor(t, "OutOfcpu event in describe", func() (bool, string) {
		d := k.ok("describe", "pod", "huge")
		return strings.Contains(d, "OutOfcpu") && strings.Contains(d, "kubelet") &&
			strings.Contains(d, "Node didn't have enough resource: cpu, requested: 100000"), d
	})
}

// describeField is the value of the first top-level "Name:  value" line
// of kubectl describe output.
func describeField(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// testCascadingDelete: the garbage collector, which follows pods and
// ReplicaSets through the server's own informers, carries out kubectl's
// three cascades on Deployments whose pods run on hollow nodes: orphan
// leaves the ReplicaSet and its pods, ownerless; background then collects
// the pods of a deleted ReplicaSet; foreground returns only once the
// ReplicaSet and its pods are gone.
func testCascadingDelete(t *testing.T, k *kubectl) {
	names := func(selector string) string {
		return strings.TrimSpace(k.ok("get", "replicasets,pods", "-l", selector, "-o", "name"))
	}
	for _, d := range []string{"keep", "gone"} {
		wantOutput(t, k.run("create", "deployment", d, "--image=whoami", "--replicas=2"), "deployment.apps/"+d+" created")
		rolledOut(t, k, d)
	}

	wantOutput(t, k.run("delete", "deployment", "keep", "--cascade=orphan", "--timeout=60s"), `deployment.apps "keep" deleted`)
	left := strings.Fields(names("app=keep"))
	if len(left) != 3 {
		t.Fatalf("after an orphaning delete: %q; want the ReplicaSet and its 2 pods", left)
	}
	wantOutput(t, k.run("get", "replicasets", "-l", "app=keep", "-o", "jsonpath={.items[*].metadata.ownerReferences}"), "")
	wantOutput(t, k.run("delete", "replicasets", "-l", "app=keep", "--timeout=60s"), `replicaset.apps "`+strings.TrimPrefix(left[0], "replicaset.apps/")+`" deleted`)
	waitFor(t, "the orphaned ReplicaSet's pods collected", func() (bool, string) {
		out := names("app=keep")
		return out == "", out
	})

	wantOutput(t, k.run("delete", "deployment", "gone", "--cascade=foreground", "--timeout=60s"), `deployment.apps "gone" deleted`)
	if out := names("app=gone"); out != "" {
		t.Errorf("after a foreground delete returned: %q; want no ReplicaSet or pod left", out)
	}
}
