package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// testApply: client-side apply creates, leaves alone, then configures.
func testApply(t *testing.T, k *kubectl) {
	path := k.file("whoami.yaml", whoami)
	wantOutput(t, k.run("apply", "-f", path),
		"deployment.apps/whoami-deployment created\nservice/whoami-service created")
	wantOutput(t, k.run("apply", "-f", path),
		"deployment.apps/whoami-deployment unchanged\nservice/whoami-service unchanged")

	changedText := strings.Replace(whoami, "replicas: 3", "replicas: 4", 1)
	wantOutput(t, k.run("apply", "-f", k.file("whoami.yaml", changedText)),
		"deployment.apps/whoami-deployment configured\nservice/whoami-service unchanged")
	if got := k.ok("get", "deployment", "whoami-deployment", "-o", "jsonpath={.spec.replicas}"); got != "4" {
		t.Errorf("replicas after apply = %q; want \"4\"", got)
	}
	if got := k.ok("get", "deployment", "whoami-deployment", "-o", "jsonpath={.metadata.generation}"); got != "2" {
		t.Errorf("generation after a spec change = %q; want \"2\"", got)
	}
	last := k.ok("get", "deployment", "whoami-deployment", "-o",
		`jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}`)
	wantContains(t, "last-applied-configuration", last, `"replicas":4`, `"name":"whoami-deployment"`)

	// Removing a field from the file removes it from the object: apply's
	// three-way merge deletes what was applied before and is gone now.
	noTarget := strings.Replace(changedText, "    targetPort: 8000\n", "", 1)
	wantOutput(t, k.run("apply", "-f", k.file("whoami.yaml", noTarget)),
		"deployment.apps/whoami-deployment unchanged\nservice/whoami-service configured")
	if got := k.ok("get", "service", "whoami-service", "-o", "jsonpath={.spec.ports[0].targetPort}"); got != "80" {
		t.Errorf("targetPort after dropping it = %q; want \"80\" (defaulted from port)", got)
	}
}

// testServerSideApply: apply --server-side, a conflict with another field
// manager, and --force-conflicts.
func testServerSideApply(t *testing.T, k *kubectl) {
	cm := func(value string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  key: " + value + "\n"
	}
	path := k.file("cm.yaml", cm("one"))
	wantOutput(t, k.run("apply", "--server-side", "-f", path), "configmap/ssa-cm serverside-applied")
	wantOutput(t, k.run("apply", "--server-side", "-f", path), "configmap/ssa-cm serverside-applied")

	other := k.file("cm-other.yaml", cm("two"))
	r := k.fails("apply", "--server-side", "--field-manager=other", "-f", other)
	wantContains(t, "stderr of a conflicting apply", r.stderr,
		`Apply failed with 1 conflict: conflict with "kubectl": .data.key`,
		"Please review the fields above--they currently have other managers.")
	if got := k.ok("get", "configmap", "ssa-cm", "-o", "jsonpath={.data.key}"); got != "one" {
		t.Errorf("data.key after a refused apply = %q; want \"one\"", got)
	}

	wantOutput(t, k.run("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other),
		"configmap/ssa-cm serverside-applied")
	if got := k.ok("get", "configmap", "ssa-cm", "-o", "jsonpath={.data.key}"); got != "two" {
		t.Errorf("data.key after --force-conflicts = %q; want \"two\"", got)
	}
	var obj corev1.ConfigMap
	if err := json.Unmarshal([]byte(k.ok("get", "configmap", "ssa-cm", "-o", "json", "--show-managed-fields")), &obj); err != nil {
		t.Fatalf("decode configmap: %v", err)
	}
	owners := map[string]string{}
	for _, mf := range obj.ManagedFields {
		if mf.FieldsV1 != nil {
			owners[mf.Manager] = string(mf.FieldsV1.Raw)
		}
		if mf.Operation != "Apply" {
			t.Errorf("manager %q operation = %q; want Apply", mf.Manager, mf.Operation)
		}
	}
	if !strings.Contains(owners["other"], `"f:key"`) {
		t.Errorf("fields of manager other = %q; want it to own f:key (managers %v)", owners["other"], owners)
	}
	if strings.Contains(owners["kubectl"], `"f:key"`) {
		t.Errorf("fields of manager kubectl = %q; want f:key taken away by --force-conflicts", owners["kubectl"])
	}
}

// testDiff: kubectl diff exits 1 with a unified diff when the file differs
// from the live object, 0 when it matches, and changes nothing.
func testDiff(t *testing.T, k *kubectl) {
	applyWhoami(k)
	same := k.run("diff", "-f", k.file("same.yaml", whoamiDeployment))
	if same.code != 0 || same.stdout != "" {
		t.Errorf("diff of the applied file: exit %d, stdout %q; want exit 0 and no output (stderr %q)", same.code, same.stdout, same.stderr)
	}

	changed := k.run("diff", "-f", k.file("changed.yaml", withReplicas("6")))
	if changed.code != 1 {
		t.Errorf("diff of a changed file: exit %d; want 1 (stderr %q)", changed.code, changed.stderr)
	}
	wantContains(t, "diff output", changed.stdout,
		"--- /", "+++ /", "apps.v1.Deployment."+k.ns+".whoami-deployment", "-  replicas: 3", "+  replicas: 6")
	if got := k.ok("get", "deployment", "whoami-deployment", "-o", "jsonpath={.spec.replicas}"); got != "3" {
		t.Errorf("replicas after diff = %q; want \"3\" (diff is a dry run)", got)
	}

	newCM := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diff-new\ndata:\n  a: b\n"
	created := k.run("diff", "-f", k.file("new.yaml", newCM))
	if created.code != 1 {
		t.Errorf("diff of a new object: exit %d; want 1 (stderr %q)", created.code, created.stderr)
	}
	wantContains(t, "diff output of a new object", created.stdout, "+  name: diff-new", "+  a: b")
	r := k.fails("get", "configmap", "diff-new")
	wantContains(t, "get after diff of a new object", r.stderr, `configmaps "diff-new" not found`)
}
