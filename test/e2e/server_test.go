package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds how long a server may take to answer /readyz.
const readyTimeout = 90 * time.Second

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// skiffBinary returns $SKIFF_BIN, or builds ./cmd/skiff once into a temp
// dir (removed by TestMain) when it is unset.
func skiffBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SKIFF_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skiff-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			buildErr = err
			return
		}
		bin := filepath.Join(dir, "skiff")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/skiff")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Makefile builds it
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/skiff: %v\n%s", err, out)
			return
		}
		builtBin = bin
	})
	if buildErr != nil {
		t.Fatalf("build skiff: %v", buildErr)
	}
	return builtBin
}

// buildDir holds the binary skiffBinary built, if any.
var buildDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// process is a child process of a test (a server or an agent) with its
// output in logPath.
type process struct {
	name     string // "server" or "agent <prefix>", for logs
	logPath  string
	cmd      *exec.Cmd
	exited   chan struct{} // closed once cmd has ended
	stopOnce sync.Once
}

// startProcess runs bin with args, its output in logPath.
func startProcess(name, logPath, bin string, args ...string) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	p := &process{name: name, logPath: logPath, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	return p, nil
}

// stop sends sig to the process's PID and waits for it to end, killing it
// when it lingers 15 s; it is a no-op once the process has been stopped.
func (p *process) stop(t *testing.T, sig syscall.Signal) {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			t.Logf("%s pid %d ignored %v; killing it", p.name, p.cmd.Process.Pid, sig)
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// stopAtCleanup stops p with SIGTERM when t ends and logs the tail of its
// output (lines of it) when t failed.
func (p *process) stopAtCleanup(t *testing.T, lines int) {
	t.Cleanup(func() {
		p.stop(t, syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s log tail:\n%s", p.name, tail(p.logPath, lines))
		}
	})
}

// server is one running `skiff server` process.
type server struct {
	*process
	dir        string // temp root: data dir, kubeconfig, logs, HOME
	kubeconfig string
	url        string
	bin        string   // the skiff binary it runs
	args       []string // its command line after bin, for restart
	starts     int      // how many processes it has started
}

// apiOnlyFlags run a server without controllers, scheduler or agent: the
// kubectl scenarios check what the API answers, and with no node to run
// pods, controllers and the scheduler would only add writes the expected
// outputs do not show.
var apiOnlyFlags = []string{"--disable-controller-manager", "--disable-scheduler"}

// startServer runs an API-only server (apiOnlyFlags); see launchServer.
func startServer(t *testing.T) *server {
	t.Helper()
	return launchServer(t, apiOnlyFlags...)
}

// launchServer runs the skiff binary as `skiff server --disable-agent`
// with flags on a temp data dir and a free loopback port, waits for
// /readyz (trying three ports), and stops it (by PID) when t ends.
func launchServer(t *testing.T, flags ...string) *server {
	t.Helper()
	bin := skiffBinary(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := launch(t, bin, flags)
		if err == nil {
			return s
		}
		lastErr = err
		t.Logf("start server (attempt %d): %v", attempt+1, err)
	}
	t.Fatalf("start server: %v", lastErr)
	return nil
}

func launch(t *testing.T, bin string, flags []string) (*server, error) {
	s, err := newServer(t, bin, flags...)
	if err != nil {
		return nil, err
	}
	if err := s.start(t); err != nil {
		return nil, err
	}
	if err := s.waitReady(); err != nil {
		s.stop(t, syscall.SIGTERM)
		return nil, fmt.Errorf("%w\n%s", err, tail(s.logPath, 20))
	}
	return s, nil
}

// newServer prepares, without starting it, a `skiff server
// --disable-agent` with flags on a temp data dir and a free loopback port.
func newServer(t *testing.T, bin string, flags ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	s := &server{
		dir:        dir,
		kubeconfig: filepath.Join(dir, "admin.kubeconfig"),
		url:        "https://127.0.0.1:" + strconv.Itoa(port),
		bin:        bin,
	}
	s.args = append([]string{"server",
		"--data-dir", filepath.Join(dir, "data"),
		"--https-port", strconv.Itoa(port),
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		"--write-kubeconfig", s.kubeconfig,
		"--disable-agent"}, flags...)
	return s, nil
}

// start runs a new server process with s's command line, its output in
// server.log (server-2.log and so on for later starts), stopped by PID
// when t ends.
func (s *server) start(t *testing.T) error {
	s.starts++
	name := "server.log"
	if s.starts > 1 {
		name = fmt.Sprintf("server-%d.log", s.starts)
	}
	p, err := startProcess("server", filepath.Join(s.dir, name), s.bin, s.args...)
	if err != nil {
		return err
	}
	s.process = p
	s.stopAtCleanup(t, 40)
	return nil
}

// freePort asks the kernel for a free loopback port and releases it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /readyz until it answers "ok", the process exits, or
// readyTimeout passes.
func (s *server) waitReady() error {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
				if _, err := os.Stat(s.kubeconfig); err == nil {
					return nil
				}
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before ready: %v", s.cmd.ProcessState)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %v", readyTimeout)
		}
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
