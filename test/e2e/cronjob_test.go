package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// tickCronJob fires every minute; its pods exit 0 after a second on hollow
// nodes (the sim.skiff.dev/exit-after annotation of package sim). The history
// limit keeps every Job the test can see finish: `kubectl create job
// --from=cronjob` makes the CronJob the Job's controller, so with a limit of 1
// a scheduled run completing beside the manual one deletes the older (as
// upstream does), which once raced the test's reads of job/manual.
const tickCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 3
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            sim.skiff.dev/exit-after: 1s
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            command: ["sh", "-c", "sleep 1"]
`

var scheduledJob = regexp.MustCompile(`\btick-[0-9]+\b`)

// TestCronJob: with controllers, the scheduler and a hollow node, a
// CronJob fires on the minute and its Job completes, and `kubectl create
// job --from=cronjob/tick` runs a Job to completion meanwhile.
func TestCronJob(t *testing.T) {
	version := kubectlVersions[len(kubectlVersions)-1]
	s, _ := startCluster(t)
	startAgent(t, s, "cron-", 1)
	k := s.newKubectl(t, version, "e2e-cronjob")
	waitNodesReady(t, k, 1)
	wantOutput(t, k.run("apply", "-f", k.file("tick.yaml", tickCronJob)), "cronjob.batch/tick created")
	wantContains(t, "kubectl get cronjob", k.ok("get", "cronjob", "tick"), "*/1 * * * *", "False")

	// A manual run from the template, while the minute comes.
	wantOutput(t, k.run("create", "job", "manual", "--from=cronjob/tick"), "job.batch/manual created")
	wantOutput(t, k.run("wait", "--for=condition=complete", "job/manual", "--timeout=60s"), "job.batch/manual condition met")
	wantOutput(t, k.run("get", "job", "manual", "-o", "jsonpath={.status.succeeded}"), "1")
	wantContains(t, "kubectl describe job manual", k.ok("describe", "job", "manual"), "SuccessfulCreate", "Completed")

	// The scheduled run: at most a minute away.
	var name string
	waitUntil(t, "a scheduled job tick-<minute>", 75*time.Second, func() (bool, string) {
		out := k.run("get", "jobs", "-o", "jsonpath={.items[*].metadata.name}").stdout
		name = scheduledJob.FindString(out)
		return name != "", out
	})
	wantOutput(t, k.run("wait", "--for=condition=complete", "job/"+name, "--timeout=60s"), "job.batch/"+name+" condition met")
	stamp := k.ok("get", "job", name, "-o", `jsonpath={.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}`)
	if _, err := time.Parse(time.RFC3339, stamp); err != nil {
		t.Errorf("scheduled timestamp annotation %q: %v", stamp, err)
	}
	waitUntil(t, "lastSuccessfulTime", 30*time.Second, func() (bool, string) {
		out := k.run("get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime} active={.status.active}").stdout
		f := strings.Fields(out)
		return len(f) == 3 && f[2] == "active=", out
	})
	wantContains(t, "kubectl describe cronjob tick", k.ok("describe", "cronjob", "tick"), "SuccessfulCreate", "SawCompletedJob")
}
