package e2e

import (
	"testing"
)

const deploy = "deployment.apps/whoami-deployment"

// jsonpath reads one field of the whoami Deployment.
func (k *kubectl) jsonpath(path string) string {
	k.t.Helper()
	return k.ok("get", "deployment", "whoami-deployment", "-o", "jsonpath="+path)
}

// wantField checks one field of the whoami Deployment.
func wantField(t *testing.T, k *kubectl, path, want string) {
	t.Helper()
	if got := k.jsonpath(path); got != want {
		t.Errorf("%s = %q; want %q", path, got, want)
	}
}

// testLabelAnnotate: label and annotate, with and without --overwrite.
func testLabelAnnotate(t *testing.T, k *kubectl) {
	applyWhoami(k)
	wantOutput(t, k.run("label", "deployment", "whoami-deployment", "tier=web"), deploy+" labeled")
	r := k.fails("label", "deployment", "whoami-deployment", "tier=db")
	wantContains(t, "label without --overwrite", r.stderr, "'tier' already has a value (web), and --overwrite is false")
	wantOutput(t, k.run("label", "--overwrite", "deployment", "whoami-deployment", "tier=db"), deploy+" labeled")
	wantField(t, k, "{.metadata.labels.tier}", "db")
	tb := parseTable(t, k.ok("get", "deployments", "-l", "tier=db,app=whoami"))
	tb.row(t, "NAME", "whoami-deployment")
	wantOutput(t, k.run("label", "deployment", "whoami-deployment", "tier-"), deploy+" unlabeled")
	wantField(t, k, "{.metadata.labels}", `{"app":"whoami"}`)

	annotated := deploy + " annotated"
	if k.version < "1.28" {
		annotated = deploy + " annotate" // kubectl 1.27 printed the verb
	}
	wantOutput(t, k.run("annotate", "deployment", "whoami-deployment", "owner=alice"), annotated)
	r = k.fails("annotate", "deployment", "whoami-deployment", "owner=bob")
	wantContains(t, "annotate without --overwrite", r.stderr,
		"--overwrite is false but found the following declared annotation(s): 'owner' already has a value (alice)")
	wantOutput(t, k.run("annotate", "--overwrite", "deployment", "whoami-deployment", "owner=bob"), annotated)
	wantField(t, k, "{.metadata.annotations.owner}", "bob")

	wantOutput(t, k.run("label", "service", "whoami-service", "app=whoami"), "service/whoami-service labeled")
	wantOutput(t, k.run("get", "deployments,services", "-l", "app=whoami", "-o", "name"),
		deploy+"\nservice/whoami-service")
}

// testPatch: strategic merge (the default), merge and JSON patches.
func testPatch(t *testing.T, k *kubectl) {
	applyWhoami(k)
	image := `{"spec":{"template":{"spec":{"containers":[{"name":"whoami","image":"jwilder/whoami:v2"}]}}}}`
	wantOutput(t, k.run("patch", "deployment", "whoami-deployment", "-p", image), deploy+" patched")
	// A strategic merge patch merges the containers list by name: the
	// port survives.
	wantField(t, k, "{.spec.template.spec.containers[0].image}", "jwilder/whoami:v2")
	wantField(t, k, "{.spec.template.spec.containers[0].ports[0].containerPort}", "8000")
	wantField(t, k, "{.metadata.generation}", "2")
	wantOutput(t, k.run("patch", "deployment", "whoami-deployment", "--type=strategic", "-p", image),
		deploy+" patched (no change)")
	wantField(t, k, "{.metadata.generation}", "2")

	merge := `{"metadata":{"labels":{"team":"a"}},"spec":{"replicas":2}}`
	wantOutput(t, k.run("patch", "deployment", "whoami-deployment", "--type=merge", "-p", merge), deploy+" patched")
	wantField(t, k, "{.spec.replicas}", "2")
	wantField(t, k, "{.metadata.labels}", `{"app":"whoami","team":"a"}`)

	jsonPatch := `[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels/stage","value":"beta"}]`
	wantOutput(t, k.run("patch", "deployment", "whoami-deployment", "--type=json", "-p", jsonPatch), deploy+" patched")
	wantField(t, k, "{.spec.replicas}", "4")
	wantField(t, k, "{.metadata.labels.stage}", "beta")

	failing := `[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":1}]`
	k.fails("patch", "deployment", "whoami-deployment", "--type=json", "-p", failing)
	wantField(t, k, "{.spec.replicas}", "4")

	// kubectl patch sends no fieldValidation: the server's default, Warn,
	// drops the unknown field and says so.
	r := k.run("patch", "deployment", "whoami-deployment", "--type=merge", "-p", `{"spec":{"bogus":1}}`)
	wantOutput(t, r, deploy+" patched (no change)")
	wantContains(t, "merge patch with an unknown field", r.stderr, `Warning: unknown field "spec.bogus"`)

	r = k.fails("patch", "deployment", "nope", "-p", `{"spec":{"replicas":1}}`)
	wantContains(t, "patch of a missing deployment", r.stderr, `Error from server (NotFound): deployments.apps "nope" not found`)
}

// testScaleSetImage: scale (through the scale subresource) and set image.
func testScaleSetImage(t *testing.T, k *kubectl) {
	applyWhoami(k)
	wantOutput(t, k.run("scale", "--replicas=5", "deployment/whoami-deployment"), deploy+" scaled")
	wantField(t, k, "{.spec.replicas}", "5")
	tb := parseTable(t, k.ok("get", "deployments"))
	wantCells(t, tb.row(t, "NAME", "whoami-deployment"), map[string]string{"READY": "0/5"})

	r := k.fails("scale", "--current-replicas=4", "--replicas=6", "deployment/whoami-deployment")
	wantContains(t, "scale with a wrong --current-replicas", r.stderr, "Expected replicas to be 4, was 5")
	wantField(t, k, "{.spec.replicas}", "5")

	wantOutput(t, k.run("set", "image", "deployment/whoami-deployment", "whoami=jwilder/whoami:latest"), deploy+" image updated")
	wantField(t, k, "{.spec.template.spec.containers[0].image}", "jwilder/whoami:latest")
	tb = parseTable(t, k.ok("get", "deployments", "-o", "wide"))
	wantCells(t, tb.row(t, "NAME", "whoami-deployment"), map[string]string{"IMAGES": "jwilder/whoami:latest"})
}

// testDelete: delete by name and by label selector.
func testDelete(t *testing.T, k *kubectl) {
	applyWhoami(k)
	wantOutput(t, k.run("delete", "service", "whoami-service"), `service "whoami-service" deleted`)
	r := k.fails("get", "service", "whoami-service")
	wantContains(t, "get after delete", r.stderr, `Error from server (NotFound): services "whoami-service" not found`)

	cms := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: whoami-a\n  labels:\n    app: whoami\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: whoami-b\n  labels:\n    app: whoami\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  labels:\n    app: other\n"
	wantOutput(t, k.run("apply", "-f", k.file("cms.yaml", cms)),
		"configmap/whoami-a created\nconfigmap/whoami-b created\nconfigmap/keep created")
	wantOutput(t, k.run("delete", "deployments,configmaps", "-l", "app=whoami"),
		`deployment.apps "whoami-deployment" deleted`+"\n"+`configmap "whoami-a" deleted`+"\n"+`configmap "whoami-b" deleted`)
	wantOutput(t, k.run("get", "configmaps", "-l", "app", "-o", "name"), "configmap/keep")
	r = k.run("get", "deployments")
	wantContains(t, "get deployments after delete -l", r.stderr, "No resources found in "+k.ns+" namespace.")

	r = k.fails("delete", "configmap", "nope")
	wantContains(t, "delete of a missing object", r.stderr, `Error from server (NotFound): configmaps "nope" not found`)
	wantOutput(t, k.run("delete", "configmap", "nope", "--ignore-not-found"), "")
}
