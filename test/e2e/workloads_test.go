package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testWorkloads: the imperative commands (create deployment, expose, run,
// create job and cronjob), replace, edit, wait, rollout restart, and list
// options (custom columns, sorting, chunked lists).
func testWorkloads(t *testing.T, k *kubectl) {
	wantOutput(t, k.run("create", "deployment", "web", "--image=nginx", "--replicas=2"), "deployment.apps/web created")
	wantOutput(t, k.run("create", "deployment", "api", "--image=nginx", "--replicas=1"), "deployment.apps/api created")
	wantOutput(t, k.run("expose", "deployment", "web", "--port=80", "--target-port=8080"), "service/web exposed")
	wantOutput(t, k.run("get", "service", "web", "-o", "jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}"), "web 8080")
	wantOutput(t, k.run("run", "pod1", "--image=nginx", "--labels=app=p"), "pod/pod1 created")

	wantOutput(t, k.run("create", "job", "j1", "--image=busybox", "--", "echo", "hi"), "job.batch/j1 created")
	wantOutput(t, k.run("get", "job", "j1", "-o", `jsonpath={.spec.template.metadata.labels.batch\.kubernetes\.io/job-name}`), "j1")
	wantOutput(t, k.run("create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *", "--", "echo", "hi"),
		"cronjob.batch/cj created")
	tb := parseTable(t, k.ok("get", "cronjobs"))
	wantHeaders(t, tb, "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE")
	wantCells(t, tb.row(t, "NAME", "cj"), map[string]string{
		"SCHEDULE": "*/5 * * * *", "TIMEZONE": "<none>", "SUSPEND": "False", "ACTIVE": "0", "LAST SCHEDULE": "<none>"})

	live := k.ok("get", "deployment", "web", "-o", "yaml")
	wantOutput(t, k.runWith(strings.Replace(live, "replicas: 2", "replicas: 4", 1), nil, "replace", "-f", "-"),
		"deployment.apps/web replaced")
	wantOutput(t, k.run("wait", "--for=jsonpath={.spec.replicas}=4", "deployment/web", "--timeout=20s"),
		"deployment.apps/web condition met")

	editor := filepath.Join(k.dir, "editor.sh")
	script := "#!/bin/sh\nsed -i 's/replicas: 4/replicas: 6/' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatalf("write editor: %v", err)
	}
	wantOutput(t, k.runWith("", []string{"KUBE_EDITOR=" + editor}, "edit", "deployment/web"), "deployment.apps/web edited")
	wantOutput(t, k.run("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"), "6")

	wantOutput(t, k.run("rollout", "restart", "deployment/web"), "deployment.apps/web restarted")
	restarted := k.ok("get", "deployment", "web", "-o",
		`jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`)
	if restarted == "" {
		t.Errorf("restartedAt annotation after rollout restart is empty; want a timestamp")
	}

	wantOutput(t, k.run("get", "deployments", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas", "--sort-by=.spec.replicas"),
		"NAME   REPLICAS\napi    1\nweb    6")
	names := strings.Split(strings.TrimSpace(k.ok("get", "pods,deployments,services,jobs", "--chunk-size=1", "-o", "name")), "\n")
	want := []string{"pod/pod1", "deployment.apps/api", "deployment.apps/web", "service/web", "job.batch/j1"}
	if !slices.Equal(names, want) {
		t.Errorf("get --chunk-size=1 -o name = %q; want %q", names, want)
	}

	wantOutput(t, k.run("delete", "pod", "pod1"), `pod "pod1" deleted`)
	wantOutput(t, k.run("delete", "deployments", "--all"), `deployment.apps "api" deleted`+"\n"+`deployment.apps "web" deleted`)
}
