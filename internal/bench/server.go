package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is one `skiff server` process the bench started.
type child struct {
	cmd        *exec.Cmd
	log        *os.File
	kubeconfig string
	url        string
	// ready is the time from exec to the first "ok" from /readyz.
	ready time.Duration
	done  chan error
}

// freePort asks the kernel for a free loopback port and releases it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer execs `binary server` on dir and a free loopback port (with
// extra flags appended) and waits until /readyz answers ok and the
// kubeconfig exists.
func startServer(ctx context.Context, binary, dir string, extra ...string) (*child, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig.yaml")
	logf, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	args := append([]string{"server",
		"--data-dir", filepath.Join(dir, "data"),
		"--bind-address", "127.0.0.1",
		"--https-port", strconv.Itoa(port),
		"--write-kubeconfig", kubeconfig,
		"--disable-agent",
		"--log-level", "warn"}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the bench dies without stopping it, the kernel kills the server.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c := &child{cmd: cmd, log: logf, kubeconfig: kubeconfig, url: "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan error, 1)}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s server: %w", binary, err)
	}
	go func() { c.done <- cmd.Wait() }()
	if err := c.waitReady(ctx, 60*time.Second); err != nil {
		c.stop()
		return nil, fmt.Errorf("%w; server log tail:\n%s", err, tail(filepath.Join(dir, "server.log"), 3))
	}
	c.ready = time.Since(start)
	if err := waitFile(ctx, kubeconfig, 10*time.Second); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// waitReady polls /readyz every 5ms until it answers 200 "ok".
func (c *child) waitReady(ctx context.Context, limit time.Duration) error {
	// /readyz is a health probe on loopback: its certificate is not the
	// point, and the CA only exists once the server has written it.
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probe
	}}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("server exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := hc.Get(c.url + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
				return nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("server not ready after %v", limit)
}

func waitFile(ctx context.Context, path string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not written after %v", path, limit)
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// Memory is a process's resident set in MiB as /proc/<pid>/status splits
// it: Anon is heap and stacks, File the mapped binary and files (etcd's
// bbolt database is mapped too).
type Memory struct {
	RSS  float64 `json:"rss_mib"`
	Anon float64 `json:"anon_mib"`
	File float64 `json:"file_mib"`
}

// memory reads the child's resident set from /proc/<pid>/status.
func (c *child) memory() (Memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.pid()))
	if err != nil {
		return Memory{}, fmt.Errorf("read server status: %w", err)
	}
	return parseStatus(data)
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat on Linux.
const userHZ = 100

// cpuTime is the child's CPU time so far (user + system), 0 when it cannot
// be read.
func (c *child) cpuTime() time.Duration {
	return statCPUTime(fmt.Sprintf("/proc/%d/stat", c.pid()))
}

// selfCPUTime is this process's CPU time so far, 0 when it cannot be read.
func selfCPUTime() time.Duration { return statCPUTime("/proc/self/stat") }

// statCPUTime is the CPU time in the /proc stat file at path, 0 when it
// cannot be read.
func statCPUTime(path string) time.Duration {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	d, err := parseStat(data)
	if err != nil {
		return 0
	}
	return d
}

// parseStat reads utime + stime (fields 14 and 15) from a /proc/<pid>/stat
// line. The command name in field 2 may hold spaces and parentheses, so
// the fields are counted from its closing parenthesis.
func parseStat(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name in process stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("process stat has %d fields after the command name; want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process stat cpu time %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// parseStatus reads VmRSS, RssAnon and RssFile from a /proc/<pid>/status
// file; VmRSS is required.
func parseStatus(status []byte) (Memory, error) {
	var m Memory
	fields := map[string]*float64{"VmRSS:": &m.RSS, "RssAnon:": &m.Anon, "RssFile:": &m.File}
	found := false
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		dst, ok := fields[f[0]]
		if !ok {
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			return Memory{}, fmt.Errorf("%s line %q: want a number of kB", f[0], sc.Text())
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("%s %q: %w", f[0], f[1], err)
		}
		*dst = float64(kb) / 1024
		found = found || f[0] == "VmRSS:"
	}
	if !found {
		return Memory{}, errors.New("no VmRSS line in process status")
	}
	return m, nil
}

// stop ends the child by its PID: SIGTERM, then SIGKILL after 15s. It is
// idempotent.
func (c *child) stop() error {
	defer c.log.Close()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err
		return nil
	case <-time.After(15 * time.Second):
	}
	if err := c.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill server pid %d: %w", c.pid(), err)
	}
	err := <-c.done
	c.done <- err
	return nil
}

// tail is the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// quietShare is the CPU share under which the child counts as quiet: 5 %
// of one core.
const quietShare = 0.05

// waitQuiet waits until the child used less than quietShare of a core over
// a whole window, or until limit passed. It returns how long it waited and
// whether the child went quiet. After a fill the in-process components
// still work through what was stored (the scheduler marks each pod it
// cannot place, and writes its event); memory read before then misses
// what they keep.
func (c *child) waitQuiet(ctx context.Context, window, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < limit {
		before := c.cpuTime()
		select {
		case <-ctx.Done():
			return time.Since(start), false
		case <-time.After(window):
		}
		if used := c.cpuTime() - before; used < time.Duration(quietShare*float64(window)) {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}
