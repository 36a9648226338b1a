package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServerRejectsShortEventTTL: `skiff server --event-ttl` under a second
// exits at once with an error naming the flag, before it starts anything.
func TestServerRejectsShortEventTTL(t *testing.T) {
	bin := skiffBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	out, err := exec.CommandContext(ctx, bin, "server", "--event-ttl", "0s",
		"--data-dir", filepath.Join(dir, "data"), "--write-kubeconfig", filepath.Join(dir, "kc"),
		"--bind-address", "127.0.0.1", "--disable-agent").CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("skiff server --event-ttl 0s: err %v, ctx %v; want a prompt failure\n%s", err, ctx.Err(), out)
	}
	if !strings.Contains(string(out), "--event-ttl 0s: must be at least 1s") {
		t.Errorf("output does not name the flag:\n%s", out)
	}
}

// TestEventTTL: `skiff server --event-ttl 1s` deletes an event kubectl
// created about a second after its last write, and keeps other objects.
func TestEventTTL(t *testing.T) {
	srv := launchServer(t, append([]string{"--event-ttl", "1s"}, apiOnlyFlags...)...)
	k := srv.newKubectl(t, kubectlVersions[len(kubectlVersions)-1], "e2e-event-ttl")
	event := `apiVersion: v1
kind: Event
metadata:
  name: short-lived
involvedObject:
  kind: Pod
  name: web
  namespace: e2e-event-ttl
reason: Test
message: gone in a second
type: Normal
`
	wantOutput(t, k.run("apply", "-f", k.file("event.yaml", event)), "event/short-lived created")
	k.ok("create", "configmap", "kept")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := k.run("get", "event", "short-lived")
		if r.code != 0 && strings.Contains(r.stderr, `events "short-lived" not found`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("event still there 20 s after its 1 s TTL: exit %d, stderr %q", r.code, r.stderr)
		}
		time.Sleep(250 * time.Millisecond)
	}
	k.ok("get", "configmap", "kept")
}
