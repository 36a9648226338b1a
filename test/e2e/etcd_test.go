package e2e

import (
	"context"
	"encoding/json"
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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// etcdCluster is an external etcd cluster on loopback, its members run
// from the etcd binary scripts/install-deps.sh installs (Debian's
// etcd-server), each stopped by PID when the test ends.
type etcdCluster struct {
	members    []*process
	clientURLs []string
	bin, dir   string
	args       [][]string   // each member's command line, for restartMember
	health     *http.Client // reads the members' /health
}

// startEtcdCluster starts an n-member etcd cluster in temp dirs on free
// loopback ports and waits until every member reports itself healthy.
// With certs, the members serve their clients over TLS and want client
// certificates signed by certs.ca (the peers stay plain).
func startEtcdCluster(t *testing.T, n int, certs *etcdCerts) *etcdCluster {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("etcd not found (scripts/install-deps.sh installs Debian's etcd-server): %v", err)
	}
	dir := t.TempDir()
	c := &etcdCluster{bin: bin, dir: dir, health: &http.Client{Timeout: 2 * time.Second}}
	scheme := "http://"
	if certs != nil {
		scheme, c.health.Transport = "https://", &http.Transport{TLSClientConfig: certs.clientTLS(t)}
	}
	var peers, initial []string
	for i := range n {
		client, err1 := freePort()
		peer, err2 := freePort()
		if err1 != nil || err2 != nil {
			t.Fatalf("free ports for etcd: %v, %v", err1, err2)
		}
		c.clientURLs = append(c.clientURLs, scheme+"127.0.0.1:"+strconv.Itoa(client))
		peers = append(peers, "http://127.0.0.1:"+strconv.Itoa(peer))
		initial = append(initial, fmt.Sprintf("m%d=%s", i, peers[i]))
	}
	for i := range n {
		name := fmt.Sprintf("m%d", i)
		args := []string{"--name", name,
			"--data-dir", filepath.Join(dir, name),
			"--listen-client-urls", c.clientURLs[i], "--advertise-client-urls", c.clientURLs[i],
			"--listen-peer-urls", peers[i], "--initial-advertise-peer-urls", peers[i],
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-token", "skiff-e2e",
			"--initial-cluster-state", "new"}
		if certs != nil {
			args = append(args, "--cert-file", certs.serverCert, "--key-file", certs.serverKey,
				"--trusted-ca-file", certs.ca, "--client-cert-auth")
		}
		c.args = append(c.args, args)
		c.members = append(c.members, c.startMember(t, i, name+".log"))
	}
	for i := range c.members {
		if err := c.waitHealthy(i); err != nil {
			t.Fatalf("etcd member m%d: %v\n%s", i, err, tail(c.members[i].logPath, 20))
		}
	}
	return c
}

// startMember runs member i with its command line, its output in logName.
func (c *etcdCluster) startMember(t *testing.T, i int, logName string) *process {
	t.Helper()
	p, err := startProcess(fmt.Sprintf("etcd m%d", i), filepath.Join(c.dir, logName), c.bin, c.args[i]...)
	if err != nil {
		t.Fatal(err)
	}
	p.stopAtCleanup(t, 20)
	return p
}

// restartMember starts stopped member i again on its data dir and waits
// until it is healthy.
func (c *etcdCluster) restartMember(t *testing.T, i int) {
	t.Helper()
	c.members[i] = c.startMember(t, i, fmt.Sprintf("m%d-again.log", i))
	if err := c.waitHealthy(i); err != nil {
		t.Fatalf("etcd member m%d restarted: %v\n%s", i, err, tail(c.members[i].logPath, 20))
	}
}

// waitHealthy polls member i's /health until it answers healthy, the
// member exits, or 60 s pass.
func (c *etcdCluster) waitHealthy(i int) error {
	p := c.members[i]
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := c.health.Get(c.clientURLs[i] + "/health")
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
	etcd := startEtcdCluster(t, 3, nil)
	s := launchServer(t, append(crashFlags(), "--etcd-servers", strings.Join(etcd.clientURLs, ","))...)
	// Two members keep the quorum; the server's client moves to them. If
	// the member was the leader, writes wait for the next one (a write in
	// flight then times out in etcd, as it would under any client).
	etcd.members[1].stop(t, syscall.SIGKILL)
	for _, i := range []int{0, 2} {
		if err := etcd.waitHealthy(i); err != nil {
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
	etcd := startEtcdCluster(t, 1, nil)
	endpoints := "--etcd-servers=" + etcd.clientURLs[0]
	first := launchServer(t, append(slices.Clone(apiOnlyFlags), endpoints)...)
	second, log := startFailing(t, "a second server on the same etcd", append(slices.Clone(apiOnlyFlags), endpoints)...)
	want := "another skiff server uses this etcd (" + strings.TrimPrefix(first.url, "https://")
	if !strings.Contains(log, want) || !strings.Contains(log, "several servers on one etcd are not supported") {
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

// startFailing starts a server (what says which) with flags that must
// make it fail: it fails t unless the server exits, and not with 0,
// within readyTimeout. It returns the server, to start again, and what it
// wrote.
func startFailing(t *testing.T, what string, flags ...string) (*server, string) {
	t.Helper()
	s, err := newServer(t, skiffBinary(t), flags...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(t); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(readyTimeout):
		t.Fatalf("%s is still running", what)
	}
	log, _ := os.ReadFile(s.logPath)
	if code := s.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("%s exited with 0; want a failure. It said:\n%s", what, log)
	}
	return s, string(log)
}

// TestEtcdOutage stops the only member of the server's external etcd and
// starts it again. Meanwhile a write asked to finish within 2 s gets
// upstream's 504 Timeout in time, /readyz is not ok, and a watch opened
// before the outage stays open and sees a write made after it.
func TestEtcdOutage(t *testing.T) {
	etcd := startEtcdCluster(t, 1, nil)
	s := launchServer(t, append(slices.Clone(apiOnlyFlags), "--etcd-servers="+etcd.clientURLs[0])...)
	cs := s.writerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	list, err := cs.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// kubectl's --request-timeout travels as the timeout parameter; one
	// that does not parse is refused as upstream refuses it.
	k := s.newKubectl(t, "1.33", "default")
	k.ok("get", "configmaps", "--request-timeout=5s")
	r := k.fails("get", "--raw", "/api/v1/namespaces/default/configmaps?timeout=bogus")
	if want := `Error from server (BadRequest): invalid timeout specified in the request URL - time: invalid duration "bogus"`; !strings.Contains(r.stderr, want) {
		t.Errorf("kubectl get --raw with timeout=bogus said %q; want %q", r.stderr, want)
	}

	etcd.members[0].stop(t, syscall.SIGTERM)
	code, body := s.rawCall(t, "POST", "/api/v1/namespaces/default/configmaps?timeout=2s", `{"metadata":{"name":"during"}}`)
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil || code != http.StatusGatewayTimeout || st.Reason != metav1.StatusReasonTimeout ||
		st.Message != "Timeout: request did not complete within the allotted timeout" {
		t.Errorf("a create with timeout=2s while etcd is down: %d %s; want upstream's 504 Timeout", code, body)
	}
	if code, body := s.rawCall(t, "GET", "/readyz?verbose", ""); code == http.StatusOK || !strings.Contains(string(body), "[-]etcd failed") {
		t.Errorf("/readyz while etcd is down: %d %s; want it not ready, naming etcd", code, body)
	}

	etcd.restartMember(t, 0)
	poll(t, "a create once etcd is back", 60*time.Second, 500*time.Millisecond, func() (bool, string) {
		_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{})
		return err == nil || apierrors.IsAlreadyExists(err), fmt.Sprint(err)
	})
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch opened before the outage ended instead of seeing the write after it")
			}
			if cm, isCM := ev.Object.(*corev1.ConfigMap); isCM && cm.Name == "after" {
				if ev.Type != watch.Added {
					t.Errorf("the watch saw %s for the ConfigMap created after the outage; want ADDED", ev.Type)
				}
				return
			}
		case <-timeout:
			t.Fatal("the watch opened before the outage did not see the write after it within 30 s")
		}
	}
}

// rawCall sends one request to s as its admin, with no timeout of the
// client's own below 30 s, and returns the status code and body.
func (s *server) rawCall(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	client, err := rest.HTTPClientFor(s.restConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	client.Timeout = 30 * time.Second
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
