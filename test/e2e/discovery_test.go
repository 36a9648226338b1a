package e2e

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// testDiscovery: api-versions, api-resources and version.
func testDiscovery(t *testing.T, k *kubectl) {
	t.Run("api-versions", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(k.ok("api-versions")), "\n")
		if !sort.StringsAreSorted(lines) {
			t.Errorf("api-versions = %q; want sorted", lines)
		}
		have := map[string]bool{}
		for _, l := range lines {
			have[l] = true
		}
		for _, want := range []string{"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"} {
			if !have[want] {
				t.Errorf("api-versions = %q; want it to list %s", lines, want)
			}
		}
	})
	t.Run("api-resources", func(t *testing.T) {
		tb := parseTable(t, k.ok("api-resources"))
		wantHeaders(t, tb, "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")
		for _, want := range []map[string]string{
			{"NAME": "deployments", "SHORTNAMES": "deploy", "APIVERSION": "apps/v1", "NAMESPACED": "true", "KIND": "Deployment"},
			{"NAME": "services", "SHORTNAMES": "svc", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Service"},
			{"NAME": "configmaps", "SHORTNAMES": "cm", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "ConfigMap"},
			{"NAME": "namespaces", "SHORTNAMES": "ns", "APIVERSION": "v1", "NAMESPACED": "false", "KIND": "Namespace"},
			{"NAME": "pods", "SHORTNAMES": "po", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Pod"},
			{"NAME": "secrets", "SHORTNAMES": "", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Secret"},
		} {
			wantCells(t, tb.row(t, "NAME", want["NAME"]), want)
		}
	})
	t.Run("api-resources-cluster-scoped", func(t *testing.T) {
		tb := parseTable(t, k.ok("api-resources", "--namespaced=false"))
		for _, name := range []string{"namespaces", "nodes", "clusterroles", "persistentvolumes"} {
			wantCells(t, tb.row(t, "NAME", name), map[string]string{"NAMESPACED": "false"})
		}
		for _, name := range []string{"pods", "deployments", "services"} {
			if tb.has("NAME", name) {
				t.Errorf("api-resources --namespaced=false lists %s; want only cluster-scoped resources", name)
			}
		}
	})
	t.Run("api-resources-wide", func(t *testing.T) {
		tb := parseTable(t, k.ok("api-resources", "-o", "wide"))
		wantHeaders(t, tb, "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES")
		row := tb.row(t, "NAME", "deployments")
		// kubectl prints the verbs as "[create delete ...]" or, since 1.30,
		// "create,delete,...".
		verbs := strings.FieldsFunc(strings.Trim(row["VERBS"], "[]"), func(r rune) bool { return r == ' ' || r == ',' })
		if got, want := strings.Join(verbs, " "), "create delete deletecollection get list patch update watch"; got != want {
			t.Errorf("verbs of deployments = %q (column %q); want %q", got, row["VERBS"], want)
		}
		wantCells(t, row, map[string]string{"CATEGORIES": "all"})
		names := strings.Split(k.ok("api-resources", "-o", "name"), "\n")
		for _, want := range []string{"deployments.apps", "configmaps", "namespaces"} {
			if !slices.Contains(names, want) {
				t.Errorf("api-resources -o name = %q; want it to list %s", names, want)
			}
		}
	})
	t.Run("version", func(t *testing.T) {
		out := k.ok("version")
		client, server := "Client Version: v"+k.version+".", `(?m)^Server Version: v1\.[0-9]+\.[0-9]+`
		if k.version < "1.28" {
			// Before 1.28, kubectl version printed version.Info structs.
			client, server = `Client Version: version.Info{Major:"1", Minor:"`+k.version[2:]+`"`,
				`(?m)^Server Version: version.Info\{Major:"1", Minor:"[0-9]+", GitVersion:"v1\.[0-9]+\.[0-9]+`
		}
		wantContains(t, "kubectl version", out, client)
		if !regexp.MustCompile(server).MatchString(out) {
			t.Errorf("kubectl version = %q; want a Server Version line matching %s", out, server)
		}
		var v struct {
			ServerVersion struct {
				Major, Minor, GitVersion, Platform string
			} `json:"serverVersion"`
		}
		if err := json.Unmarshal([]byte(k.ok("version", "-o", "json")), &v); err != nil {
			t.Fatalf("decode version -o json: %v", err)
		}
		sv := v.ServerVersion
		if sv.Major != "1" || sv.Minor == "" || !strings.HasPrefix(sv.GitVersion, "v1.") || sv.Platform == "" {
			t.Errorf("serverVersion = %+v; want major 1, a minor, a gitVersion v1.x and a platform", sv)
		}
	})
}

// testExplain: kubectl explain prints upstream's field documentation,
// which it reads from the server's OpenAPI.
func testExplain(t *testing.T, k *kubectl) {
	out := k.ok("explain", "deployment.spec.strategy.rollingUpdate")
	wantLines(t, out,
		"KIND: Deployment",
		"VERSION: v1",
		"FIELD: rollingUpdate <RollingUpdateDeployment>",
		"DESCRIPTION:",
		"FIELDS:",
		"maxSurge <IntOrString>",
		"maxUnavailable <IntOrString>",
	)
	wantContains(t, "explain output", squash(out),
		"Rolling update config params. Present only if DeploymentStrategyType =",
		"The maximum number of pods that can be scheduled above the desired number of",
		"The maximum number of pods that can be unavailable during the update.")

	out = k.ok("explain", "services.spec.type")
	wantLines(t, out, "KIND: Service", "VERSION: v1", "FIELD: type <string>")
	wantContains(t, "explain services.spec.type", squash(out), "ClusterIP", "NodePort", "LoadBalancer", "ExternalName")

	r := k.fails("explain", "deployment.spec.nosuchfield")
	wantContains(t, "explain of a missing field", r.stderr, `field "nosuchfield" does not exist`)
}

// testSetContext: a context's namespace is where namespaced commands go.
func testSetContext(t *testing.T, k *kubectl) {
	ctx := strings.TrimSpace(k.ok("config", "current-context"))
	wantOutput(t, k.run("config", "set-context", "--current", "--namespace=team-a"), `Context "`+ctx+`" modified.`)
	wantOutput(t, k.run("config", "view", "--minify", "-o", "jsonpath={..namespace}"), "team-a")
	wantOutput(t, k.run("create", "namespace", "team-a"), "namespace/team-a created")

	r := k.run("get", "pods")
	if r.code != 0 || strings.TrimSpace(r.stderr) != "No resources found in team-a namespace." {
		t.Errorf("get pods in an empty namespace: exit %d, stderr %q; want 0, \"No resources found in team-a namespace.\"", r.code, r.stderr)
	}
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: jwilder/whoami\n"
	wantOutput(t, k.run("apply", "-f", k.file("pod.yaml", pod)), "pod/web created")
	tb := parseTable(t, k.ok("get", "pods"))
	wantHeaders(t, tb, "NAME", "READY", "STATUS", "RESTARTS", "AGE")
	row := tb.row(t, "NAME", "web")
	wantCells(t, row, map[string]string{"READY": "0/1", "STATUS": "Pending", "RESTARTS": "0"})
	wantOutput(t, k.run("get", "pod", "web", "-o", "jsonpath={.metadata.namespace}"), "team-a")

	r = k.fails("get", "pod", "web", "-n", k.ns)
	wantContains(t, "get pod in the old namespace", r.stderr, `Error from server (NotFound): pods "web" not found`)
}

// testAuth: auth can-i and auth whoami, answered by the review APIs.
func testAuth(t *testing.T, k *kubectl) {
	t.Run("can-i", func(t *testing.T) {
		wantOutput(t, k.run("auth", "can-i", "create", "deployments"), "yes")
		wantOutput(t, k.run("auth", "can-i", "list", "pods", "--all-namespaces"), "yes")
	})
	t.Run("whoami", func(t *testing.T) {
		if k.version < "1.28" {
			t.Skip("kubectl auth whoami arrived in 1.28")
		}
		tb := parseTable(t, k.ok("auth", "whoami"))
		wantHeaders(t, tb, "ATTRIBUTE", "VALUE")
		wantCells(t, tb.row(t, "ATTRIBUTE", "Username"), map[string]string{"VALUE": "skiff-admin"})
		wantContains(t, "whoami groups", tb.row(t, "ATTRIBUTE", "Groups")["VALUE"], "system:masters", "system:authenticated")
	})
}
