package e2e

import (
	"sort"
	"strings"
	"testing"
	"time"
)

const webStatefulSet = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: whoami:v1
`

const agentDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: whoami:v1
`

// dbStatefulSet mounts its volumeClaimTemplate, as most StatefulSets do:
// the template lists no volume "data"; the controller gives each pod one.
const dbStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: web
  replicas: 1
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: whoami:v1
        volumeMounts:
        - name: data
          mountPath: /var/lib/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`

// TestStatefulSetAndDaemonSet drives StatefulSets and DaemonSets through
// real kubectl on hollow nodes, once per kubectl version, each against its
// own server and agents.
func TestStatefulSetAndDaemonSet(t *testing.T) {
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) {
			s, _ := startCluster(t)
			startAgent(t, s, "wl-", 2)
			k := s.newKubectl(t, version, "e2e-sts")
			waitNodesReady(t, k, 2)
			t.Run("statefulset", func(t *testing.T) { testStatefulSetRollout(t, k) })
			t.Run("statefulset-claims", func(t *testing.T) { testStatefulSetClaims(t, k) })
			t.Run("daemonset", func(t *testing.T) { testDaemonSetNodes(t, s, k) })
		})
	}
}

// stsRolledOut runs kubectl rollout status statefulset/web and checks its
// last line is one of kubectl's success lines for 3 pods.
func stsRolledOut(t *testing.T, k *kubectl) {
	t.Helper()
	out := strings.TrimSpace(k.ok("rollout", "status", "statefulset/web", "--timeout=60s"))
	lines := strings.Split(out, "\n")
	last := lines[len(lines)-1]
	if last != "partitioned roll out complete: 3 new pods have been updated..." &&
		!(strings.HasPrefix(last, "statefulset rolling update complete 3 pods at revision web-") && strings.HasSuffix(last, "...")) {
		t.Errorf("rollout status statefulset/web printed %q; want a success line for 3 pods", out)
	}
}

// stsRevisions lists the REVISION column of kubectl rollout history.
func stsRevisions(out string) string {
	var revs []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] != "REVISION" && !strings.Contains(f[0], "/") {
			revs = append(revs, f[0])
		}
	}
	return strings.Join(revs, ",")
}

// testStatefulSetRollout: ordinal pods with stable identity, set image,
// rollout status, history and undo through ControllerRevisions, events.
func testStatefulSetRollout(t *testing.T, k *kubectl) {
	k.ok("apply", "-f", k.file("web.yaml", webStatefulSet))
	stsRolledOut(t, k)
	wantOutput(t, k.run("get", "pods", "-l", "app=web", "-o",
		`jsonpath={range .items[*]}{.metadata.name}:{.spec.hostname}.{.spec.subdomain}:{.metadata.labels.apps\.kubernetes\.io/pod-index} {end}`),
		"web-0:web-0.web:0 web-1:web-1.web:1 web-2:web-2.web:2 ")
	wantOutput(t, k.run("get", "statefulset", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}"), "3/3")

	wantOutput(t, k.run("set", "image", "statefulset/web", "web=whoami:v2"), "statefulset.apps/web image updated")
	stsRolledOut(t, k)
	wantOutput(t, k.run("get", "pods", "-l", "app=web", "-o", `jsonpath={range .items[*]}{.spec.containers[0].image} {end}`),
		"whoami:v2 whoami:v2 whoami:v2 ")
	if got := stsRevisions(k.ok("rollout", "history", "statefulset/web")); got != "1,2" {
		t.Errorf("rollout history statefulset/web revisions = %q; want 1,2", got)
	}

	wantOutput(t, k.run("rollout", "undo", "statefulset/web"), "statefulset.apps/web rolled back")
	stsRolledOut(t, k)
	wantOutput(t, k.run("get", "pods", "-l", "app=web", "-o", `jsonpath={range .items[*]}{.spec.containers[0].image} {end}`),
		"whoami:v1 whoami:v1 whoami:v1 ")
	if got := stsRevisions(k.ok("rollout", "history", "statefulset/web")); got != "2,3" {
		t.Errorf("rollout history statefulset/web after undo = %q; want 2,3", got)
	}
	hist := k.ok("rollout", "history", "statefulset/web", "--revision=3")
	wantContains(t, "rollout history --revision=3", hist, "whoami:v1")
	describe := k.ok("describe", "statefulset", "web")
	wantContains(t, "describe statefulset web", describe, "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful",
		"SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful")
}

// testStatefulSetClaims: a StatefulSet whose container mounts its
// volumeClaimTemplate is accepted, and its pod gets the claim as that
// volume (the pod stays Pending: no volume and no provisioner exist).
func testStatefulSetClaims(t *testing.T, k *kubectl) {
	wantOutput(t, k.run("apply", "-f", k.file("db.yaml", dbStatefulSet)), "statefulset.apps/db created")
	waitFor(t, "pod db-0 with its claim", func() (bool, string) {
		r := k.run("get", "pod", "db-0", "-o", `jsonpath={.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}`)
		return strings.TrimSpace(r.stdout) == "data-db-0", r.stdout + r.stderr
	})
	wantOutput(t, k.run("get", "pvc", "data-db-0", "-o", "jsonpath={.metadata.name}"), "data-db-0")
}

// dsRow is the columns of kubectl get ds agent without its age.
func dsRow(t *testing.T, k *kubectl) string {
	t.Helper()
	out := strings.Split(strings.TrimSpace(k.ok("get", "ds", "agent")), "\n")
	if len(out) != 2 {
		t.Fatalf("kubectl get ds agent printed %q; want a header and a row", out)
	}
	if h := strings.Join(strings.Fields(out[0]), " "); h != "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE" {
		t.Errorf("kubectl get ds header = %q", h)
	}
	f := strings.Fields(out[1])
	return strings.Join(f[:len(f)-1], " ")
}

// dsRolledOut runs kubectl rollout status daemonset/agent and checks its
// last line.
func dsRolledOut(t *testing.T, k *kubectl) {
	t.Helper()
	out := k.ok("rollout", "status", "daemonset/agent", "--timeout=60s")
	if !strings.HasSuffix(strings.TrimSpace(out), `daemon set "agent" successfully rolled out`) {
		t.Errorf("rollout status daemonset/agent printed %q", out)
	}
}

// testDaemonSetNodes: one pod per node, rollout status, the kubectl get
// ds columns, a node joining later gets its pod within seconds, set
// image, history and undo through ControllerRevisions, events.
func testDaemonSetNodes(t *testing.T, s *server, k *kubectl) {
	k.ok("apply", "-f", k.file("agent.yaml", agentDaemonSet))
	dsRolledOut(t, k)
	if got := dsRow(t, k); got != "agent 2 2 2 2 2 <none>" {
		t.Errorf("kubectl get ds agent = %q; want agent 2 2 2 2 2 <none>", got)
	}
	start := time.Now()
	startAgent(t, s, "late-", 1)
	waitFor(t, "daemon pod on the late node", func() (bool, string) {
		r := k.run("get", "ds", "agent", "-o", "jsonpath={.status.numberAvailable}")
		return r.stdout == "3", r.stdout + r.stderr
	})
	t.Logf("a node joining got its daemon pod available %v after its agent started", time.Since(start).Round(time.Millisecond))
	if got := dsRow(t, k); got != "agent 3 3 3 3 3 <none>" {
		t.Errorf("kubectl get ds agent = %q; want agent 3 3 3 3 3 <none>", got)
	}
	wantOutput(t, k.run("set", "image", "daemonset/agent", "agent=whoami:v2"), "daemonset.apps/agent image updated")
	dsRolledOut(t, k)
	if got := stsRevisions(k.ok("rollout", "history", "daemonset/agent")); got != "1,2" {
		t.Errorf("rollout history daemonset/agent revisions = %q; want 1,2", got)
	}
	wantOutput(t, k.run("rollout", "undo", "daemonset/agent"), "daemonset.apps/agent rolled back")
	dsRolledOut(t, k)
	wantOutput(t, k.run("get", "pods", "-l", "app=agent", "-o", `jsonpath={range .items[*]}{.spec.containers[0].image} {end}`),
		"whoami:v1 whoami:v1 whoami:v1 ")
	describe := k.ok("describe", "daemonset", "agent")
	wantContains(t, "describe daemonset agent", describe, "SuccessfulCreate", "Created pod: agent-", "SuccessfulDelete", "Deleted pod: agent-")
	nodes := strings.Fields(k.ok("get", "pods", "-l", "app=agent", "-o", `jsonpath={range .items[*]}{.spec.nodeName} {end}`))
	sort.Strings(nodes)
	if got := strings.Join(nodes, " "); got != "late-0 wl-0 wl-1" {
		t.Errorf("daemon pods on %q; want one on each of late-0 wl-0 wl-1", got)
	}
}
