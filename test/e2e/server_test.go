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

// server is one running `skiff server` process.
type server struct {
	dir        string // temp root: data dir, kubeconfig, log, HOME
	kubeconfig string
	url        string
	logPath    string
	cmd        *exec.Cmd
	exited     chan struct{}
	stopOnce   sync.Once
}

// startServer runs the skiff binary on a temp data dir and a free loopback
// port, waits for /readyz, and stops it (by PID) when t ends.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := skiffBinary(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := launch(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
		t.Logf("start server (attempt %d): %v", attempt+1, err)
	}
	t.Fatalf("start server: %v", lastErr)
	return nil
}

func launch(t *testing.T, bin string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	s := &server{
		dir:        dir,
		kubeconfig: filepath.Join(dir, "admin.kubeconfig"),
		url:        "https://127.0.0.1:" + strconv.Itoa(port),
		logPath:    filepath.Join(dir, "server.log"),
		exited:     make(chan struct{}),
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "server",
		"--data-dir", filepath.Join(dir, "data"),
		"--https-port", strconv.Itoa(port),
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		"--write-kubeconfig", s.kubeconfig,
		"--disable-agent",
		// These scenarios check what the API answers kubectl; with no
		// node to run pods, controllers and the scheduler would only
		// add writes the expected outputs do not show.
		"--disable-controller-manager",
		"--disable-scheduler")
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stop(t)
		if t.Failed() {
			t.Logf("server log tail:\n%s", tail(s.logPath, 40))
		}
	})
	if err := s.waitReady(); err != nil {
		s.stop(t)
		return nil, fmt.Errorf("%w\n%s", err, tail(s.logPath, 20))
	}
	return s, nil
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

// stop sends SIGTERM to the server's PID, then SIGKILL if it lingers.
func (s *server) stop(t *testing.T) {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			t.Logf("server pid %d ignored SIGTERM; killing it", s.cmd.Process.Pid)
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
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
