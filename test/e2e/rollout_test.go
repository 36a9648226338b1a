package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// bounds follows the pods of one app through a watch and keeps, since the
// last arm, the fewest available pods (Ready, not terminating) and the
// most live ones (not terminating) it saw after any event.
type bounds struct {
	mu                  sync.Mutex
	pods                map[string]*corev1.Pod
	minAvail, maxActive int
	events              int
}

// watchBounds starts the watch on pods app=<app> of ns; it stops when t
// ends.
func watchBounds(t *testing.T, cs kubernetes.Interface, ns, app string) *bounds {
	t.Helper()
	b := &bounds{pods: map[string]*corev1.Pod{}}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=" + app }))
	inf := f.Core().V1().Pods().Informer()
	set := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			b.update(p.Name, p)
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: set, UpdateFunc: func(_, obj any) { set(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				b.update(p.Name, nil)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); f.Shutdown() })
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("pod watch did not sync")
	}
	return b
}

func (b *bounds) update(name string, p *corev1.Pod) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p == nil {
		delete(b.pods, name)
	} else {
		b.pods[name] = p
	}
	avail, active := b.counts()
	b.minAvail, b.maxActive = min(b.minAvail, avail), max(b.maxActive, active)
	b.events++
}

// counts is (available, live) now; b.mu is held.
func (b *bounds) counts() (int, int) {
	avail, active := 0, 0
	for _, p := range b.pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		active++
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				avail++
			}
		}
	}
	return avail, active
}

// arm starts a new observation from the current counts.
func (b *bounds) arm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.minAvail, b.maxActive = b.counts()
	b.events = 0
}

// check fails t if, since arm, available pods fell below minAvail or live
// pods rose above maxTotal.
func (b *bounds) check(t *testing.T, what string, minAvail, maxTotal int) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	t.Logf("%s: %d pod events; available min %d (bound %d), pods max %d (bound %d)", what, b.events, b.minAvail, minAvail, b.maxActive, maxTotal)
	if b.minAvail < minAvail {
		t.Errorf("%s: available pods fell to %d; want >= %d (replicas - maxUnavailable)", what, b.minAvail, minAvail)
	}
	if b.maxActive > maxTotal {
		t.Errorf("%s: pods rose to %d; want <= %d (replicas + maxSurge)", what, b.maxActive, maxTotal)
	}
	if b.events == 0 {
		t.Errorf("%s: the watch saw no pod event", what)
	}
}

// rolledOut runs kubectl rollout status and checks its last line.
func rolledOut(t *testing.T, k *kubectl, name string) {
	t.Helper()
	r := k.run("rollout", "status", "deployment/"+name, "--timeout=25s")
	if r.code != 0 {
		k.run("get", "pods,replicasets,deployments", "-o", "wide")
		k.run("get", "pods", "-o", `jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\n"}{end}`)
		k.run("get", "replicasets", "-o", `jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.status}{"\n"}{end}`)
		t.Fatalf("kubectl rollout status deployment/%s: exit %d\nstderr: %s", name, r.code, r.stderr)
	}
	out := r.stdout
	if !strings.HasSuffix(strings.TrimSpace(out), fmt.Sprintf("deployment %q successfully rolled out", name)) {
		t.Errorf("rollout status printed %q; want it to end with the success line", out)
	}
}

// historyRevisions lists the REVISION column of kubectl rollout history.
func historyRevisions(out string) []string {
	var revs []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] != "REVISION" && !strings.Contains(f[0], "/") {
			revs = append(revs, f[0])
		}
	}
	return revs
}

// historyCause is the CHANGE-CAUSE of revision rev in kubectl rollout
// history's table ("" if the revision is not there).
func historyCause(out, rev string) string {
	for _, line := range strings.Split(out, "\n") {
		if r, cause, ok := strings.Cut(strings.TrimSpace(line), " "); ok && r == rev {
			return strings.TrimSpace(cause)
		}
	}
	return ""
}

// podImages lists the images of the live (not terminating) pods of
// app=whoami, space-separated.
func podImages(k *kubectl) string {
	out := k.run("get", "pods", "-l", "app=whoami", "-o",
		`jsonpath={range .items[*]}{.spec.containers[0].image},{.metadata.deletionTimestamp};{end}`).stdout
	var live []string
	for _, p := range strings.Split(out, ";") {
		if img, deleted, ok := strings.Cut(p, ","); ok && deleted == "" {
			live = append(live, img)
		}
	}
	return strings.Join(live, " ")
}

// testRollingUpdate is the seed's rolling-update story on hollow nodes:
// 3 replicas of whoami, set image, rollout status, and through a pod
// watch available pods never below replicas-maxUnavailable nor pods above
// replicas+maxSurge; history, undo to revision 1, scale, pause (a paused
// Deployment still scales but does not roll), resume and restart.
func testRollingUpdate(t *testing.T, k *kubectl, cs kubernetes.Interface) {
	b := watchBounds(t, cs, k.ns, "whoami")
	wantOutput(t, k.run("create", "deployment", "whoami", "--image=whoami:v1", "--replicas=3"), "deployment.apps/whoami created")
	rolledOut(t, k, "whoami")

	// 3 replicas, 25% surge rounds up to 1, 25% unavailable down to 0.
	b.arm()
	wantOutput(t, k.run("set", "image", "deployment/whoami", "whoami=whoami:v2"), "deployment.apps/whoami image updated")
	rolledOut(t, k, "whoami")
	b.check(t, "set image", 3, 4)
	if got := strings.Fields(podImages(k)); len(got) != 3 || strings.Count(strings.Join(got, " "), "whoami:v2") != 3 {
		t.Errorf("pod images after set image = %q; want 3 x whoami:v2", got)
	}
	if got := historyRevisions(k.ok("rollout", "history", "deployment/whoami")); strings.Join(got, ",") != "1,2" {
		t.Errorf("rollout history revisions = %q; want 1,2", got)
	}
	// The change-cause annotated on the Deployment reaches its new
	// ReplicaSet, where rollout history reads it.
	k.ok("annotate", "deployment/whoami", "kubernetes.io/change-cause=image v2")
	waitFor(t, "change-cause in rollout history", func() (bool, string) {
		out := k.run("rollout", "history", "deployment/whoami").stdout
		return historyCause(out, "2") == "image v2" && historyCause(out, "1") == "<none>", out
	})

	b.arm()
	wantOutput(t, k.run("rollout", "undo", "deployment/whoami", "--to-revision=1"), "deployment.apps/whoami rolled back")
	rolledOut(t, k, "whoami")
	b.check(t, "rollout undo", 3, 4)
	wantOutput(t, k.run("get", "deployment", "whoami", "-o",
		`jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\.kubernetes\.io/revision}`), "whoami:v1 3")
	if got := historyRevisions(k.ok("rollout", "history", "deployment/whoami")); strings.Join(got, ",") != "2,3" {
		t.Errorf("rollout history revisions after undo = %q; want 2,3", got)
	}
	// kubectl undo gave the Deployment revision 1's annotations (no
	// change-cause); that ReplicaSet, now revision 3, remembers it was 1.
	out := k.ok("rollout", "history", "deployment/whoami")
	if historyCause(out, "2") != "image v2" || historyCause(out, "3") != "<none>" {
		t.Errorf("rollout history after undo:\n%s\nwant revision 2 \"image v2\" and 3 <none>", out)
	}
	wantOutput(t, k.run("get", "rs", "-l", "app=whoami", "-o",
		`jsonpath={range .items[?(@.metadata.annotations.deployment\.kubernetes\.io/revision=="3")]}{.metadata.annotations.deployment\.kubernetes\.io/revision-history}{end}`), "1")

	wantOutput(t, k.run("scale", "deployment/whoami", "--replicas=5"), "deployment.apps/whoami scaled")
	rolledOut(t, k, "whoami")
	wantOutput(t, k.run("get", "deployment", "whoami", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}"), "5/5")
	// The scale subresource prints as upstream's Scale table.
	lines := strings.Split(strings.TrimSpace(k.ok("get", "deployment", "whoami", "--subresource=scale")), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME DESIRED AVAILABLE AGE" ||
		!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "whoami 5 5 ") {
		t.Errorf("kubectl get deployment whoami --subresource=scale printed %q; want NAME DESIRED AVAILABLE AGE and whoami 5 5", lines)
	}

	testPauseResumeRestart(t, k, b)
	describe := k.ok("describe", "deployment", "whoami")
	wantContains(t, "describe deployment whoami", describe, "ScalingReplicaSet", "Scaled up replica set whoami-", "Scaled down replica set whoami-")
}

// testPauseResumeRestart: a paused Deployment scales but does not roll to
// a new image until it is resumed; restart rolls it again.
func testPauseResumeRestart(t *testing.T, k *kubectl, b *bounds) {
	wantOutput(t, k.run("rollout", "pause", "deployment/whoami"), "deployment.apps/whoami paused")
	wantOutput(t, k.run("set", "image", "deployment/whoami", "whoami=whoami:v3"), "deployment.apps/whoami image updated")
	wantOutput(t, k.run("scale", "deployment/whoami", "--replicas=4"), "deployment.apps/whoami scaled")
	waitFor(t, "paused deployment scaled to 4", func() (bool, string) {
		out := k.run("get", "deployment", "whoami", "-o", "jsonpath={.status.replicas}/{.status.readyReplicas}/{.status.observedGeneration}={.metadata.generation}").stdout
		gen := strings.SplitN(out, "/", 3)
		return strings.HasPrefix(out, "4/4/") && len(gen) == 3 && strings.Split(gen[2], "=")[0] == strings.Split(gen[2], "=")[1], out
	})
	if imgs := podImages(k); strings.Contains(imgs, "whoami:v3") {
		t.Errorf("pods of the paused deployment = %q; want no whoami:v3 before resume", imgs)
	}
	wantOutput(t, k.run("get", "deployment", "whoami", "-o", `jsonpath={.status.conditions[?(@.type=="Progressing")].reason}`), "DeploymentPaused")

	// 4 replicas: surge 1, unavailable 1.
	b.arm()
	wantOutput(t, k.run("rollout", "resume", "deployment/whoami"), "deployment.apps/whoami resumed")
	rolledOut(t, k, "whoami")
	b.check(t, "rollout resume", 3, 5)
	if got := podImages(k); strings.Count(got, "whoami:v3") != 4 {
		t.Errorf("pod images after resume = %q; want 4 x whoami:v3", got)
	}

	b.arm()
	wantOutput(t, k.run("rollout", "restart", "deployment/whoami"), "deployment.apps/whoami restarted")
	rolledOut(t, k, "whoami")
	b.check(t, "rollout restart", 3, 5)
	wantOutput(t, k.run("get", "deployment", "whoami", "-o", `jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}`), "5")
}
