package e2e

import (
	"strings"
	"testing"
	"time"
)

// testCreate: create configmap, secret and namespace from the command line.
func testCreate(t *testing.T, k *kubectl) {
	wantOutput(t, k.run("create", "configmap", "lit", "--from-literal=color=blue", "--from-literal=size=xl"),
		"configmap/lit created")
	wantOutput(t, k.run("get", "configmap", "lit", "-o", "jsonpath={.data.color} {.data.size}"), "blue xl")

	props := "greeting=hello\nname=skiff\n"
	path := k.file("app.properties", props)
	wantOutput(t, k.run("create", "configmap", "fromfile", "--from-file="+path), "configmap/fromfile created")
	wantOutput(t, k.run("get", "configmap", "fromfile", "-o", `jsonpath={.data.app\.properties}`), props)

	tb := parseTable(t, k.ok("get", "configmaps"))
	wantHeaders(t, tb, "NAME", "DATA", "AGE")
	wantCells(t, tb.row(t, "NAME", "lit"), map[string]string{"DATA": "2"})
	wantCells(t, tb.row(t, "NAME", "fromfile"), map[string]string{"DATA": "1"})

	// Upstream's strategies warn of a name that cannot be a hostname.
	r := k.run("create", "deployment", "my.app", "--image=whoami:v1")
	wantContains(t, "create deployment my.app", r.stderr,
		"Warning: metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]")

	r = k.fails("create", "configmap", "lit", "--from-literal=color=red")
	wantContains(t, "create of an existing configmap", r.stderr, `error: failed to create configmap: configmaps "lit" already exists`)

	cm := k.file("lit.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lit\n")
	r = k.fails("create", "-f", cm)
	if want := `Error from server (AlreadyExists): error when creating "` + cm + `": configmaps "lit" already exists`; strings.TrimSpace(r.stderr) != want {
		t.Errorf("create -f of an existing configmap: stderr %q; want %q", r.stderr, want)
	}

	wantOutput(t, k.run("create", "secret", "generic", "creds", "--from-literal=password=s3cret"), "secret/creds created")
	wantOutput(t, k.run("get", "secret", "creds", "-o", "jsonpath={.type} {.data.password}"), "Opaque czNjcmV0")
	tb = parseTable(t, k.ok("get", "secrets"))
	wantHeaders(t, tb, "NAME", "TYPE", "DATA", "AGE")
	wantCells(t, tb.row(t, "NAME", "creds"), map[string]string{"TYPE": "Opaque", "DATA": "1"})

	wantOutput(t, k.run("create", "namespace", "extra-ns"), "namespace/extra-ns created")
	tb = parseTable(t, k.ok("get", "namespace", "extra-ns"))
	wantHeaders(t, tb, "NAME", "STATUS", "AGE")
	wantCells(t, tb.row(t, "NAME", "extra-ns"), map[string]string{"STATUS": "Active"})
	wantOutput(t, k.run("get", "namespace", "extra-ns", "-o", `jsonpath={.metadata.labels.kubernetes\.io/metadata\.name}`), "extra-ns")
}

// testEvents: get events, and the events of an object in describe.
func testEvents(t *testing.T, k *kubectl) {
	r := k.run("get", "events")
	if r.code != 0 || strings.TrimSpace(r.stderr) != "No resources found in "+k.ns+" namespace." {
		t.Errorf("get events with none: exit %d, stderr %q; want 0, \"No resources found in %s namespace.\"", r.code, r.stderr, k.ns)
	}
	applyWhoami(k)
	uid := k.jsonpath("{.metadata.uid}")
	now := time.Now().UTC().Format(time.RFC3339)
	event := `apiVersion: v1
kind: Event
metadata:
  name: whoami-deployment.1
involvedObject:
  apiVersion: apps/v1
  kind: Deployment
  name: whoami-deployment
  namespace: ` + k.ns + `
  uid: ` + uid + `
reason: ScalingReplicaSet
message: Scaled up replica set whoami-deployment-5d8f to 3
type: Normal
source:
  component: deployment-controller
count: 1
firstTimestamp: "` + now + `"
lastTimestamp: "` + now + `"
`
	wantOutput(t, k.run("apply", "-f", k.file("event.yaml", event)), "event/whoami-deployment.1 created")

	tb := parseTable(t, k.ok("get", "events"))
	wantHeaders(t, tb, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
	row := tb.row(t, "REASON", "ScalingReplicaSet")
	wantCells(t, row, map[string]string{"TYPE": "Normal", "OBJECT": "deployment/whoami-deployment",
		"MESSAGE": "Scaled up replica set whoami-deployment-5d8f to 3"})
	wantAge(t, row, "LAST SEEN")

	tb = parseTable(t, k.ok("get", "events", "--field-selector", "reason=ScalingReplicaSet,involvedObject.kind=Deployment"))
	tb.row(t, "REASON", "ScalingReplicaSet")
	r = k.run("get", "events", "--field-selector", "type=Warning")
	wantContains(t, "get events of type Warning", r.stderr, "No resources found in "+k.ns+" namespace.")

	out := squash(k.ok("describe", "deployment", "whoami-deployment"))
	wantContains(t, "describe deployment", out,
		"Events:\nType Reason Age From Message",
		"Normal ScalingReplicaSet",
		"deployment-controller Scaled up replica set whoami-deployment-5d8f to 3")

	// Events have no watch cache (as upstream): get -w watches etcd.
	w := k.start("get", "events", "-w")
	defer w.stop()
	second := strings.NewReplacer("whoami-deployment.1", "whoami-deployment.2", "to 3", "to 5").Replace(event)
	wantOutput(t, k.run("apply", "-f", k.file("event2.yaml", second)), "event/whoami-deployment.2 created")
	deadline := time.Now().Add(commandTimeout)
	for {
		line, ok := w.next(time.Until(deadline))
		if !ok {
			t.Fatalf("get events -w printed no row for the second event (stderr %q)", w.stderr)
		}
		if strings.Contains(line, "Scaled up replica set whoami-deployment-5d8f to 5") {
			break
		}
	}
}

// testErrors: the errors users hit, as kubectl reports them.
func testErrors(t *testing.T, k *kubectl) {
	t.Run("malformed-yaml", func(t *testing.T) {
		bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n"
		r := k.fails("apply", "-f", k.file("bad.yaml", bad))
		wantContains(t, "apply of malformed YAML", r.stderr, "error: error parsing", "bad.yaml", "yaml: line")
		r = k.fails("get", "configmap", "broken")
		wantContains(t, "get after a malformed apply", r.stderr, `configmaps "broken" not found`)
	})
	t.Run("unknown-field", func(t *testing.T) {
		unknown := strings.Replace(whoamiDeployment, "  replicas: 3\n", "  replicas: 3\n  replicaz: 3\n", 1)
		r := k.fails("apply", "-f", k.file("unknown.yaml", unknown))
		wantContains(t, "apply with an unknown field", r.stderr,
			`Error from server (BadRequest): error when creating "`,
			`strict decoding error: unknown field "spec.replicaz"`)
		r = k.fails("get", "deployment", "whoami-deployment")
		wantContains(t, "get after a refused apply", r.stderr, `deployments.apps "whoami-deployment" not found`)
	})
	t.Run("newer-field", func(t *testing.T) {
		// A field k8s.io/api has and Kubernetes 1.33 does not is as
		// unknown as a misspelt one, and explain does not know it.
		newer := strings.Replace(whoamiDeployment, "    spec:\n      containers:", "    spec:\n      hostnameOverride: h\n      containers:", 1)
		r := k.fails("apply", "-f", k.file("newer.yaml", newer))
		wantContains(t, "apply with a newer field", r.stderr,
			`Error from server (BadRequest): error when creating "`,
			`strict decoding error: unknown field "spec.template.spec.hostnameOverride"`)
		r = k.fails("get", "deployment", "whoami-deployment")
		wantContains(t, "get after a refused apply", r.stderr, `deployments.apps "whoami-deployment" not found`)
		r = k.fails("explain", "pod.spec.hostnameOverride")
		wantContains(t, "explain of a newer field", r.stderr, `"hostnameOverride" does not exist`)
		// Left empty (null) it is just as unknown.
		empty := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: newer-null\nspec:\n  hostnameOverride:\n  containers:\n  - name: c\n    image: nginx\n"
		r = k.fails("create", "-f", k.file("newer-null.yaml", empty))
		wantContains(t, "create with a null newer field", r.stderr,
			`strict decoding error: unknown field "spec.hostnameOverride"`)
		r = k.fails("get", "pod", "newer-null")
		wantContains(t, "get after a refused create", r.stderr, `pods "newer-null" not found`)
	})
	t.Run("invalid-name", func(t *testing.T) {
		r := k.fails("create", "configmap", "Bad_Name", "--from-literal=a=b")
		wantContains(t, "create with an invalid name", r.stderr,
			`error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters`)
		invalid := strings.Replace(whoamiDeployment, "name: whoami-deployment", "name: Whoami_Deployment", 1)
		r = k.fails("apply", "-f", k.file("invalid.yaml", invalid))
		wantContains(t, "apply with an invalid name", r.stderr,
			`The Deployment "Whoami_Deployment" is invalid: metadata.name: Invalid value: "Whoami_Deployment"`)
		// Every namespace holds the kube-root-ca.crt ConfigMap the server
		// publishes, as upstream's does.
		wantOutput(t, k.run("get", "configmaps,deployments", "-o", "name"), "configmap/kube-root-ca.crt")
	})
	t.Run("not-found", func(t *testing.T) {
		r := k.fails("get", "deployment", "nope")
		if r.stdout != "" || r.stderr != "Error from server (NotFound): deployments.apps \"nope\" not found\n" {
			t.Errorf("get deployment nope: stdout %q, stderr %q; want only the NotFound error", r.stdout, r.stderr)
		}
		r = k.fails("apply", "-n", "missing-ns", "-f", k.file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orphan\n"))
		wantContains(t, "apply into a missing namespace", r.stderr, `Error from server (NotFound): error when creating "`, `namespaces "missing-ns" not found`)
		r = k.fails("get", "nosuchkinds")
		wantContains(t, "get of an unknown resource type", r.stderr, `the server doesn't have a resource type "nosuchkinds"`)
	})
}
