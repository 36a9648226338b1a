package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// etcdCluster is an external etcd cluster on loopback, its members run
// from the etcd binary scripts/install-deps.sh installs (Debian's
// etcd-server), each stopped by PID when the test ends.
type etcdCluster struct {
	members    []*process
	clientURLs []string
}

// startEtcdCluster starts an n-member etcd cluster in temp dirs on free
// loopback ports and waits until every member reports itself healthy.
func startEtcdCluster(t *testing.T, n int) *etcdCluster {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("etcd not found (scripts/install-deps.sh installs Debian's etcd-server): %v", err)
	}
	dir := t.TempDir()
	c := &etcdCluster{}
	var peers, initial []string
	for i := range n {
		client, err1 := freePort()
		peer, err2 := freePort()
		if err1 != nil || err2 != nil {
			t.Fatalf("free ports for etcd: %v, %v", err1, err2)
		}
		c.clientURLs = append(c.clientURLs, "http://127.0.0.1:"+strconv.Itoa(client))
		peers = append(peers, "http://127.0.0.1:"+strconv.Itoa(peer))
		initial = append(initial, fmt.Sprintf("m%d=%s", i, peers[i]))
	}
	for i := range n {
		name := fmt.Sprintf("m%d", i)
		p, err := startProcess("etcd "+name, filepath.Join(dir, name+".log"), bin,
			"--name", name,
			"--data-dir", filepath.Join(dir, name),
			"--listen-client-urls", c.clientURLs[i], "--advertise-client-urls", c.clientURLs[i],
			"--listen-peer-urls", peers[i], "--initial-advertise-peer-urls", peers[i],
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-token", "skiff-e2e",
			"--initial-cluster-state", "new")
		if err != nil {
			t.Fatal(err)
		}
		p.stopAtCleanup(t, 20)
		c.members = append(c.members, p)
	}
	for i, url := range c.clientURLs {
		if err := waitEtcdHealthy(url, c.members[i]); err != nil {
			t.Fatalf("etcd member m%d: %v\n%s", i, err, tail(c.members[i].logPath, 20))
		}
	}
	return c
}

// waitEtcdHealthy polls a member's /health until it answers healthy, the
// member exits, or 60 s pass.
func waitEtcdHealthy(url string, p *process) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(url + "/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"health":"true"`) {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited before healthy: %v", p.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after 60 s (last: %v)", err)
		}
	}
}

// TestExternalEtcd runs `skiff server --etcd-servers` against a
// three-member etcd cluster with one member killed, and then does to it
// what TestServerKilledMidWrites does to a server with its embedded etcd:
// SIGKILL under writers, a restart on the same data dir under clients
// already creating Services, and the same checks of what was stored and
// allocated. The server's data dir holds no etcd data.
func TestExternalEtcd(t *testing.T) {
	etcd := startEtcdCluster(t, 3)
	s := launchServer(t, append(crashFlags(), "--etcd-servers", strings.Join(etcd.clientURLs, ","))...)
	// Two members keep the quorum; the server's client moves to them. If
	// the member was the leader, writes wait for the next one (a write in
	// flight then times out in etcd, as it would under any client).
	etcd.members[1].stop(t, syscall.SIGKILL)
	for _, i := range []int{0, 2} {
		if err := waitEtcdHealthy(etcd.clientURLs[i], etcd.members[i]); err != nil {
			t.Fatalf("etcd member m%d after m1 was killed: %v", i, err)
		}
	}
	killMidWrites(t, s)
	if _, err := os.Stat(filepath.Join(s.dir, "data", "server", "db", "etcd")); !os.IsNotExist(err) {
		t.Errorf("a server with --etcd-servers has an etcd data dir of its own (stat: %v)", err)
	}
}

// TestOneServerPerEtcd starts a second server on the etcd a first one
// uses: it must exit with an error that names the first, and start once
// the first has stopped (a clean stop lets go of the etcd at once).
func TestOneServerPerEtcd(t *testing.T) {
	etcd := startEtcdCluster(t, 1)
	endpoints := "--etcd-servers=" + etcd.clientURLs[0]
	first := launchServer(t, append(slices.Clone(apiOnlyFlags), endpoints)...)
	second, err := newServer(t, skiffBinary(t), append(slices.Clone(apiOnlyFlags), endpoints)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.start(t); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.exited:
	case <-time.After(readyTimeout):
		t.Fatal("a second server on the same etcd is still running")
	}
	if code := second.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("the second server exited with 0; want a failure")
	}
	log, _ := os.ReadFile(second.logPath)
	want := "another skiff server uses this etcd (" + strings.TrimPrefix(first.url, "https://")
	if !strings.Contains(string(log), want) || !strings.Contains(string(log), "several servers on one etcd are not supported") {
		t.Errorf("the second server said:\n%s\nwant it to say %q and that several servers are not supported", log, want)
	}

	first.stop(t, syscall.SIGTERM)
	if err := second.start(t); err != nil {
		t.Fatal(err)
	}
	if err := second.waitReady(); err != nil {
		t.Fatalf("the second server once the first stopped: %v\n%s", err, tail(second.logPath, 20))
	}
}
