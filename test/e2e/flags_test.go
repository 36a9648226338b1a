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
