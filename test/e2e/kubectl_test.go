package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// commandTimeout bounds every kubectl invocation.
const commandTimeout = 30 * time.Second

// kubectlVersions are the kubectl releases every scenario runs with: the
// oldest and the newest installed.
var kubectlVersions = []string{"1.27", "1.33"}

// kubectlBinary finds kubectl.<version> beside the kubectl on PATH once
// its symlink is resolved.
func kubectlBinary(t *testing.T, version string) string {
	t.Helper()
	onPath, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not on PATH: %v", err)
	}
	real, err := filepath.EvalSymlinks(onPath)
	if err != nil {
		t.Fatalf("resolve %s: %v", onPath, err)
	}
	bin := filepath.Join(filepath.Dir(real), "kubectl."+version)
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("kubectl %s: %v", version, err)
	}
	return bin
}

// kubectl runs one kubectl binary against one server, in one namespace,
// through its own copy of the admin kubeconfig.
type kubectl struct {
	t          *testing.T
	bin        string
	version    string // "1.27"
	kubeconfig string
	home       string // HOME, so the discovery cache stays in the temp dir
	dir        string // scratch dir for manifests
	ns         string
}

// result is what one kubectl invocation printed and returned.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

// newKubectl prepares a kubectl for namespace ns: a kubeconfig copy whose
// context points at ns, and ns itself (unless it is "default").
func (s *server) newKubectl(t *testing.T, version, ns string) *kubectl {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile(s.kubeconfig)
	if err != nil {
		t.Fatalf("read kubeconfig: %v", err)
	}
	k := &kubectl{
		t:          t,
		bin:        kubectlBinary(t, version),
		version:    version,
		kubeconfig: filepath.Join(dir, "kubeconfig"),
		home:       filepath.Join(s.dir, "home-"+version),
		dir:        dir,
		ns:         ns,
	}
	if err := os.WriteFile(k.kubeconfig, cfg, 0o600); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	if err := os.MkdirAll(k.home, 0o700); err != nil {
		t.Fatalf("mkdir home: %v", err)
	}
	if ns != "default" {
		k.ok("create", "namespace", ns)
	}
	k.ok("config", "set-context", "--current", "--namespace="+ns)
	return k
}

// command builds the exec.Cmd of one kubectl invocation.
func (k *kubectl) command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.bin, args...)
	env := []string{"KUBECONFIG=" + k.kubeconfig, "HOME=" + k.home}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "KUBECONFIG", "HOME", "KUBECACHEDIR", "KUBE_EDITOR", "EDITOR":
			continue
		}
		if strings.HasPrefix(name, "KUBECTL_") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	cmd.Dir = k.dir
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs kubectl with args and returns what it printed and its exit code.
func (k *kubectl) run(args ...string) result {
	k.t.Helper()
	return k.runWith("", nil, args...)
}

// runWith runs kubectl with stdin and extra environment variables.
func (k *kubectl) runWith(stdin string, env []string, args ...string) result {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := k.command(ctx, args)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		k.t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		k.t.Fatalf("kubectl %s: timed out after %v", strings.Join(args, " "), commandTimeout)
	}
	k.t.Logf("$ kubectl %s  (exit %d)\n%s%s", strings.Join(args, " "), r.code, r.stdout, prefixLines("stderr: ", r.stderr))
	return r
}

// ok runs kubectl, fails the test unless it exits 0, and returns stdout.
func (k *kubectl) ok(args ...string) string {
	k.t.Helper()
	r := k.run(args...)
	if r.code != 0 {
		k.t.Fatalf("kubectl %s: exit %d, want 0\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs kubectl, fails the test if it exits 0, and returns the result.
func (k *kubectl) fails(args ...string) result {
	k.t.Helper()
	r := k.run(args...)
	if r.code == 0 {
		k.t.Fatalf("kubectl %s: exit 0, want failure\nstdout: %s", strings.Join(args, " "), r.stdout)
	}
	return r
}

// file writes a manifest into the scratch dir and returns its path.
func (k *kubectl) file(name, content string) string {
	k.t.Helper()
	path := filepath.Join(k.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		k.t.Fatalf("write %s: %v", name, err)
	}
	return path
}

// watcher is a kubectl process left running in the background (get -w).
type watcher struct {
	cmd      *exec.Cmd
	lines    chan string
	stderr   *bytes.Buffer
	stopOnce sync.Once
}

// start launches kubectl in the background; its stdout arrives line by
// line. The process is killed by PID when t ends, if not before.
func (k *kubectl) start(args ...string) *watcher {
	k.t.Helper()
	cmd := k.command(context.Background(), args)
	out, err := cmd.StdoutPipe()
	if err != nil {
		k.t.Fatalf("stdout pipe: %v", err)
	}
	w := &watcher{cmd: cmd, lines: make(chan string, 100), stderr: &bytes.Buffer{}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start kubectl %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	k.t.Cleanup(w.stop)
	return w
}

// next returns the next line printed, or false after timeout or exit.
func (w *watcher) next(timeout time.Duration) (string, bool) {
	select {
	case line, ok := <-w.lines:
		return line, ok
	case <-time.After(timeout):
		return "", false
	}
}

// stop kills the background kubectl by PID and reaps it.
func (w *watcher) stop() {
	w.stopOnce.Do(func() {
		_ = w.cmd.Process.Kill()
		_ = w.cmd.Wait()
	})
}

func prefixLines(prefix, s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}
