package kubelet

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	testclock "k8s.io/utils/clock/testing"
)

// logRuntime is a Runtime holding fixed pod states whose ContainerLog
// writes the instance's ID and the options it got, one line; a follower
// then waits for release (writing "more\n") or its context, and reports
// which on ended.
type logRuntime struct {
	Runtime // nil: only SetNotify, PodStatus and ContainerLog are called
	pods    map[types.UID]PodStatus
	fail    map[types.UID]error
	release chan struct{}
	ended   chan string
}

func (r *logRuntime) SetNotify(func(types.UID)) {}

func (r *logRuntime) PodStatus(uid types.UID) (PodStatus, bool) {
	rs, ok := r.pods[uid]
	return rs, ok
}

func (r *logRuntime) ContainerLog(ctx context.Context, uid types.UID, name string, opts LogOptions, w io.Writer) error {
	if err := r.fail[uid]; err != nil {
		return err
	}
	c := r.pods[uid].Containers[name]
	if opts.Previous {
		c = *c.Previous
	}
	if _, err := fmt.Fprintf(w, "%s %s\n", c.ID, describeLogOptions(opts)); err != nil {
		return err
	}
	if !opts.Follow {
		return nil
	}
	select {
	case <-ctx.Done():
		r.ended <- "context"
	case <-r.release:
		_, _ = io.WriteString(w, "more\n")
		r.ended <- "released"
	}
	return nil
}

// describeLogOptions words opts for the test's answers.
func describeLogOptions(o LogOptions) string {
	opt := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	since := "-"
	if !o.SinceTime.IsZero() {
		since = o.SinceTime.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("previous=%v follow=%v timestamps=%v since=%s tail=%s limit=%s",
		o.Previous, o.Follow, o.Timestamps, since, opt(o.TailLines), opt(o.LimitBytes))
}

// newLogKubelet returns a kubelet (fake clock at 2026-01-01T00:00:00Z)
// working on pods whose statuses it computed from logRuntime's states:
//   - ns/web: init container init completed; app restarted once (running
//     sim://app-2, previous sim://app-1); ephemeral container debug never
//     started;
//   - ns/crashy: app in CrashLoopBackOff after sim://crashy-2 exited;
//   - ns/pending: no sandbox yet;
//   - ns/fresh: not synced yet, its API status empty;
//   - ns/old: not synced yet, its API status terminated with no ID;
//   - ns/stale: its status names sim://stale-1, the runtime runs
//     sim://stale-2;
//   - ns/broken: running, but the runtime fails to read its log.
func newLogKubelet(t *testing.T) (*Kubelet, *logRuntime) {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := testclock.NewFakeClock(now)
	running := func(id string) ContainerStatus {
		return ContainerStatus{ID: id, State: ContainerRunning, StartedAt: now, Ready: true}
	}
	exited := func(id string, code int32) ContainerStatus {
		return ContainerStatus{ID: id, State: ContainerExited, StartedAt: now, FinishedAt: now, ExitCode: code, Reason: "Error"}
	}
	app2, crashy2 := running("sim://app-2"), exited("sim://crashy-2", 1)
	app1, crashy1 := exited("sim://app-1", 1), exited("sim://crashy-1", 1)
	app2.Attempt, app2.Previous = 1, &app1
	crashy2.Attempt, crashy2.Previous = 1, &crashy1
	sandbox := Sandbox{ID: "s", IP: "10.42.0.2"}
	rt := &logRuntime{
		pods: map[types.UID]PodStatus{
			"u-web":    {Sandbox: sandbox, Containers: map[string]ContainerStatus{"init": exited("sim://init-1", 0), "app": app2}},
			"u-crashy": {Sandbox: sandbox, Containers: map[string]ContainerStatus{"app": crashy2}},
			"u-stale":  {Sandbox: sandbox, Containers: map[string]ContainerStatus{"app": running("sim://stale-2")}},
			"u-broken": {Sandbox: sandbox, Containers: map[string]ContainerStatus{"app": running("sim://broken-1")}},
		},
		fail:    map[types.UID]error{"u-broken": errors.New("sim runtime: log lost")},
		release: make(chan struct{}),
		ended:   make(chan string, 1),
	}
	k, err := New(Config{NodeName: "n1", Client: fake.NewClientset(), Runtime: rt, NodeIP: "127.0.0.1", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("u-" + name)},
			Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	}
	web := pod("web")
	web.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
	web.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}}
	old := pod("old")
	old.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown"}}}}
	stale := pod("stale")
	synced := map[*corev1.Pod]map[string]waitReason{
		web: nil, pod("crashy"): {"app": {Reason: "CrashLoopBackOff"}}, pod("pending"): nil, pod("broken"): nil,
	}
	for p, waiting := range synced {
		rs, ok := rt.pods[p.UID]
		st := podStatus(statusInput{Pod: p, Runtime: rs, HasRuntime: ok, Waiting: waiting, HostIP: "127.0.0.1", Now: now})
		w := newPodWorker(k, p)
		w.status = &st
		k.workers[p.UID] = w
	}
	stale1 := rt.pods["u-stale"]
	stale1.Containers = map[string]ContainerStatus{"app": running("sim://stale-1")}
	st := podStatus(statusInput{Pod: stale, Runtime: stale1, HasRuntime: true, HostIP: "127.0.0.1", Now: now})
	k.workers[stale.UID] = newPodWorker(k, stale)
	k.workers[stale.UID].status = &st
	for _, p := range []*corev1.Pod{pod("fresh"), old} {
		k.workers[p.UID] = newPodWorker(k, p)
	}
	gone := pod("gone")
	k.workers[gone.UID] = newPodWorker(k, gone)
	k.workers[gone.UID].deleted = true
	return k, rt
}

// serveLogs serves k's API on loopback for the test; admin may use
// nodes/proxy, alice may not.
func serveLogs(t *testing.T, k *Kubelet) (base string, admin, alice tls.Certificate) {
	t.Helper()
	ca := newTestCA(t)
	serving, err := SelfSignedCert("hollow", []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	az := &fakeAuthorizer{allow: map[string]bool{"admin proxy": true, "alice metrics": true}}
	srv, err := k.Serve("127.0.0.1:0", ServerConfig{Cert: serving, ClientCA: ca.pool(), Authorizer: az})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return "https://" + srv.Addr().String(), ca.client(t, "admin", "system:masters"), ca.client(t, "alice", "devs")
}

// TestContainerLogs asks the kubelet API for container logs and checks
// upstream's answers: the log (the instance the pod's status names, with
// the options the runtime got), and each refusal with upstream's code and
// body (pkg/kubelet/server/server.go getContainerLogs,
// pkg/kubelet/kubelet_pods.go validateContainerLogStatus).
func TestContainerLogs(t *testing.T) {
	k, _ := newLogKubelet(t)
	base, admin, alice := serveLogs(t, k)
	const plain = "previous=false follow=false timestamps=false since=- tail=- limit=-\n"
	tests := []struct {
		name     string
		path     string
		cert     *tls.Certificate
		wantCode int
		wantBody string
	}{
		{"running container", "/containerLogs/ns/web/app", &admin, 200, "sim://app-2 " + plain},
		{"previous instance", "/containerLogs/ns/web/app?previous=true", &admin, 200,
			"sim://app-1 previous=true follow=false timestamps=false since=- tail=- limit=-\n"},
		{"options", "/containerLogs/ns/web/app?timestamps=1&tailLines=2&limitBytes=100&sinceSeconds=10", &admin, 200,
			"sim://app-2 previous=false follow=false timestamps=true since=2025-12-31T23:59:50Z tail=2 limit=100\n"},
		{"sinceTime", "/containerLogs/ns/web/app?sinceTime=2025-12-31T23:00:00%2B01:00", &admin, 200,
			"sim://app-2 previous=false follow=false timestamps=false since=2025-12-31T22:00:00Z tail=- limit=-\n"},
		{"old clients' tail", "/containerLogs/ns/web/app?tail=5", &admin, 200,
			"sim://app-2 previous=false follow=false timestamps=false since=- tail=5 limit=-\n"},
		{"tail=all", "/containerLogs/ns/web/app?tail=all&tailLines=3", &admin, 200, "sim://app-2 " + plain},
		{"false booleans", "/containerLogs/ns/web/app?previous=FALSE&timestamps=0&follow=false", &admin, 200, "sim://app-2 " + plain},
		{"any other boolean is true", "/containerLogs/ns/web/app?timestamps=no", &admin, 200,
			"sim://app-2 previous=false follow=false timestamps=true since=- tail=- limit=-\n"},
		{"stream All", "/containerLogs/ns/web/app?stream=All", &admin, 200, "sim://app-2 " + plain},
		{"completed init container", "/containerLogs/ns/web/init", &admin, 200, "sim://init-1 " + plain},
		{"crash loop reads the last instance", "/containerLogs/ns/crashy/app", &admin, 200, "sim://crashy-2 " + plain},
		{"crash loop's previous is the last instance", "/containerLogs/ns/crashy/app?previous=true", &admin, 200, "sim://crashy-2 " + plain},

		{"not allowed nodes/proxy", "/containerLogs/ns/web/app", &alice, 403,
			"Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[proxy])\n"},
		{"no client certificate", "/containerLogs/ns/web/app", nil, 401, "Unauthorized"},
		{"integer that does not parse", "/containerLogs/ns/web/app?tailLines=ten", &admin, 400, `{"message": "Unable to decode query."}`},
		{"time that does not parse", "/containerLogs/ns/web/app?sinceTime=yesterday", &admin, 400, `{"message": "Unable to decode query."}`},
		{"negative tailLines", "/containerLogs/ns/web/app?tailLines=-1", &admin, 422, `{"message": "Invalid request."}`},
		{"limitBytes 0", "/containerLogs/ns/web/app?limitBytes=0", &admin, 422, `{"message": "Invalid request."}`},
		{"sinceSeconds 0", "/containerLogs/ns/web/app?sinceSeconds=0", &admin, 422, `{"message": "Invalid request."}`},
		{"both sinceSeconds and sinceTime", "/containerLogs/ns/web/app?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z", &admin, 422,
			`{"message": "Invalid request."}`},
		{"unknown stream", "/containerLogs/ns/web/app?stream=Both", &admin, 422, `{"message": "Invalid request."}`},
		{"unknown pod", "/containerLogs/ns/nope/app", &admin, 404, `pod "nope" does not exist`},
		{"pod in another namespace", "/containerLogs/other/web/app", &admin, 404, `pod "web" does not exist`},
		{"pod deleted from the API", "/containerLogs/ns/gone/app", &admin, 404, `pod "gone" does not exist`},
		{"container not in the spec", "/containerLogs/ns/web/nope", &admin, 404, `container "nope" not found in pod "web"`},
		{"one stream", "/containerLogs/ns/web/app?stream=Stdout", &admin, 400,
			`unable to return the given log stream: "Stdout". Please enable PodLogsQuerySplitStreams feature gate in kubelet`},
		{"waiting to start", "/containerLogs/ns/pending/app", &admin, 400, `container "app" in pod "pending" is waiting to start: ContainerCreating`},
		{"no previous instance", "/containerLogs/ns/pending/app?previous=true", &admin, 400,
			`previous terminated container "app" in pod "pending" not found`},
		{"first instance running, previous", "/containerLogs/ns/broken/app?previous=1", &admin, 400,
			`previous terminated container "app" in pod "broken" not found`},
		{"no status yet", "/containerLogs/ns/fresh/app", &admin, 400, `container "app" in pod "fresh" is not available`},
		{"ephemeral container never started", "/containerLogs/ns/web/debug", &admin, 400, `container "debug" in pod "web" is not available`},
		{"terminated without an instance", "/containerLogs/ns/old/app", &admin, 400, `container "app" in pod "old" is terminated`},
		{"status lags the runtime", "/containerLogs/ns/stale/app", &admin, 400, "unable to retrieve container logs for sim://stale-1"},
		{"runtime error", "/containerLogs/ns/broken/app", &admin, 400, "sim runtime: log lost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := kubeletCall(t, tt.cert, "GET", base+tt.path)
			if resp.StatusCode != tt.wantCode || string(body) != tt.wantBody {
				t.Errorf("GET %s = %d %q; want %d %q", tt.path, resp.StatusCode, body, tt.wantCode, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); tt.wantCode == 200 && ct != "text/plain" {
				t.Errorf("GET %s: Content-Type %q; want text/plain", tt.path, ct)
			}
		})
	}
}

// TestContainerLogsPost: the route is GET only (405).
func TestContainerLogsPost(t *testing.T) {
	k, _ := newLogKubelet(t)
	base, admin, _ := serveLogs(t, k)
	c := logClient(&admin)
	defer c.CloseIdleConnections()
	resp, err := c.Post(base+"/containerLogs/ns/web/app", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /containerLogs/ns/web/app = %d; want 405", resp.StatusCode)
	}
}

// TestContainerLogsFollow: a follower's answer starts at once and each
// line reaches the client as the runtime writes it; the runtime's reader
// ends when the log ends or when the client goes away.
func TestContainerLogsFollow(t *testing.T) {
	k, rt := newLogKubelet(t)
	base, admin, _ := serveLogs(t, k)
	c := logClient(&admin)
	defer c.CloseIdleConnections()
	follow := func() (*http.Response, *bufio.Reader) {
		t.Helper()
		resp, err := c.Get(base + "/containerLogs/ns/web/app?follow=true")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" {
			t.Fatalf("GET follow = %d %s; want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		r := bufio.NewReader(resp.Body)
		want := "sim://app-2 previous=false follow=true timestamps=false since=- tail=- limit=-\n"
		if line, err := r.ReadString('\n'); line != want || err != nil {
			t.Fatalf("first line = %q, %v; want %q", line, err, want)
		}
		return resp, r
	}

	resp, r := follow()
	rt.release <- struct{}{}
	if rest, err := io.ReadAll(r); string(rest) != "more\n" || err != nil {
		t.Errorf("rest of the log = %q, %v; want %q", rest, err, "more\n")
	}
	resp.Body.Close()
	if got := <-rt.ended; got != "released" {
		t.Errorf("follower ended by %s; want released", got)
	}

	resp, _ = follow()
	resp.Body.Close() // the client goes away
	select {
	case got := <-rt.ended:
		if got != "context" {
			t.Errorf("follower ended by %s; want context", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follower still reading after the client left")
	}
}

// logClient is an HTTPS client presenting cert (none for nil), not
// verifying the kubelet's self-signed certificate.
// kubeletCall sends method to url with cert (none: nil) and returns the
// answer with its body read.
func kubeletCall(t *testing.T, cert *tls.Certificate, method, url string) (*http.Response, []byte) {
	t.Helper()
	c := logClient(cert)
	defer c.CloseIdleConnections()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func logClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a self-signed kubelet
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 20 * time.Second}
}

// TestDecodeLogOptions checks the query decoding against upstream's
// generated conversion of url.Values to v1.PodLogOptions.
func TestDecodeLogOptions(t *testing.T) {
	tests := []struct {
		query   string
		want    string // %+v of some fields
		wantErr bool
	}{
		{"", "follow=false previous=false tail=- since=-", false},
		{"follow&previous=", "follow=true previous=true tail=- since=-", false},
		{"tailLines=7&tailLines=9", "follow=false previous=false tail=7 since=-", false},
		{"sinceTime=", "follow=false previous=false tail=- since=zero", false},
		{"sinceTime=null", "follow=false previous=false tail=- since=zero", false},
		{"sinceSeconds=", "", true},
		{"limitBytes=1.5", "", true},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		o, err := decodeLogOptions(q)
		if (err != nil) != tt.wantErr {
			t.Errorf("decodeLogOptions(%q) error = %v; want error %v", tt.query, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		tail, since := "-", "-"
		if o.TailLines != nil {
			tail = fmt.Sprint(*o.TailLines)
		}
		if o.SinceTime != nil && o.SinceTime.IsZero() {
			since = "zero"
		}
		if got := fmt.Sprintf("follow=%v previous=%v tail=%s since=%s", o.Follow, o.Previous, tail, since); got != tt.want {
			t.Errorf("decodeLogOptions(%q) = %s; want %s", tt.query, got, tt.want)
		}
	}
}
