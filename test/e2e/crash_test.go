package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// The Service ranges of the crash test are small, so that filling them
// after the restart shows every value the allocators lost or handed out
// twice: a /26 has 62 addresses a Service may hold (not the network's or
// the broadcast address), one of them the kubernetes Service's.
const (
	crashServiceCIDR = "10.43.0.0/26"
	crashClusterIPs  = 62
	crashNodePorts   = "30000-30031"
	crashPortCount   = 32
)

// TestServerKilledMidWrites kills `skiff server` with SIGKILL while
// clients write, and starts it again on the same data dir while other
// clients are already creating Services. Then:
//   - every write the server acknowledged is there, and a write the kill
//     cut off happened whole or not at all;
//   - nothing is stored that no client wrote;
//   - once both Service ranges are filled, every ClusterIP and NodePort is
//     held by exactly one Service: none leaked by the kill, none handed
//     out twice.
func TestServerKilledMidWrites(t *testing.T) {
	killMidWrites(t, launchServer(t, crashFlags()...))
}

// crashFlags are the flags of a server killMidWrites drives: the API
// alone, and the small Service ranges.
func crashFlags() []string {
	return append(slices.Clone(apiOnlyFlags), "--service-cidr", crashServiceCIDR, "--service-node-port-range", crashNodePorts)
}

// killMidWrites is TestServerKilledMidWrites on the running server s
// (started with crashFlags and maybe more).
func killMidWrites(t *testing.T, s *server) {
	t.Helper()
	cs := s.writerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ns = "crash"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	load := &crashLoad{cs: cs, ns: ns, want: map[string][]string{}}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); load.work(ctx, w) }()
	}
	time.Sleep(500*time.Millisecond + rand.N(time.Second))
	load.killed.Store(true)
	s.stop(t, syscall.SIGKILL)
	wg.Wait()
	for _, err := range load.errs {
		t.Error(err)
	}
	t.Logf("%d writes acknowledged before the kill, %d cut off by it", load.acked, load.cut)
	if load.acked < 20 {
		t.Fatalf("only %d writes were acknowledged before the kill; the test needs more to mean anything", load.acked)
	}

	// Clients that knock while the server starts: their Services are
	// created during its start-up, beside its repair of the allocations.
	var knockers sync.WaitGroup
	knocked := make(chan []string, 4)
	for r := range 4 {
		cs := s.writerClient(t)
		knockers.Add(1)
		go func() { defer knockers.Done(); knocked <- knock(ctx, t, cs, ns, r, 3) }()
	}
	if err := s.start(t); err != nil {
		t.Fatal(err)
	}
	if err := s.waitReady(); err != nil {
		t.Fatalf("restart after SIGKILL: %v\n%s", err, tail(s.logPath, 30))
	}
	knockers.Wait()
	close(knocked)
	for names := range knocked {
		for _, name := range names {
			load.want["service/"+name] = []string{"present"}
		}
	}

	load.check(ctx, t)
	fillServiceRanges(ctx, t, cs, ns)
}

// writerClient is a client-go clientset of s's admin with no client-side
// rate limit and a 15-s request timeout.
func (s *server) writerClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	cfg := s.restConfig(t)
	cfg.QPS, cfg.Timeout = -1, 15*time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// crashLoad is the writers of TestServerKilledMidWrites and what they
// expect to find after the restart.
type crashLoad struct {
	cs     kubernetes.Interface
	ns     string
	killed atomic.Bool // set just before the SIGKILL

	mu    sync.Mutex
	want  map[string][]string // "configmap/<name>" or "service/<name>" -> the states it may be in
	acked int                 // writes that succeeded
	cut   int                 // writes that failed once killed was set
	errs  []error             // writes that failed before
}

// The states a key may be in: a ConfigMap's data.v, a Service present or
// not.
const (
	absent  = "absent"
	present = "present"
)

// work is writer w's loop until a write fails: create ConfigMap cm-w-i,
// patch it, create NodePort Service svc-w-i, delete cm-w-(i-1) and
// svc-w-(i-2), so that each writer holds at most three Services.
func (l *crashLoad) work(ctx context.Context, w int) {
	cms, svcs := l.cs.CoreV1().ConfigMaps(l.ns), l.cs.CoreV1().Services(l.ns)
	name := func(kind string, i int) string { return fmt.Sprintf("%s-%d-%d", kind, w, i) }
	for i := 0; ; i++ {
		cm, svc := name("cm", i), name("svc", i)
		steps := []crashWrite{
			{"configmap/" + cm, absent, "v0", func() error {
				_, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: cm}, Data: map[string]string{"v": "v0"}}, metav1.CreateOptions{})
				return err
			}},
			{"configmap/" + cm, "v0", "v1", func() error {
				_, err := cms.Patch(ctx, cm, types.MergePatchType, []byte(`{"data":{"v":"v1"}}`), metav1.PatchOptions{})
				return err
			}},
			{"service/" + svc, absent, present, func() error {
				_, err := svcs.Create(ctx, nodePortService(svc, corev1.ServiceTypeNodePort), metav1.CreateOptions{})
				return err
			}},
		}
		if i >= 1 {
			old := name("cm", i-1)
			steps = append(steps, crashWrite{"configmap/" + old, "v1", absent, func() error { return cms.Delete(ctx, old, metav1.DeleteOptions{}) }})
		}
		if i >= 2 {
			old := name("svc", i-2)
			steps = append(steps, crashWrite{"service/" + old, present, absent, func() error { return svcs.Delete(ctx, old, metav1.DeleteOptions{}) }})
		}
		for _, st := range steps {
			if !l.do(st) {
				return
			}
		}
	}
}

// crashWrite is one write of a crashLoad: op takes key from state before
// to after.
type crashWrite struct {
	key, before, after string
	op                 func() error
}

// do runs one write and records what its key may hold now. It reports
// whether the write succeeded.
func (l *crashLoad) do(st crashWrite) bool {
	key, before, after := st.key, st.before, st.after
	err := st.op()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.want[key] = []string{after}
		l.acked++
		return true
	case l.killed.Load():
		l.want[key] = []string{before, after}
		l.cut++
	default:
		l.errs = append(l.errs, fmt.Errorf("%s (%s -> %s) failed before the kill: %w", key, before, after, err))
	}
	return false
}

// check reads every key back and lists the namespace: each key must be in
// a state its writes allow, and nothing may be stored that no writer
// created.
func (l *crashLoad) check(ctx context.Context, t *testing.T) {
	t.Helper()
	cmList, err := l.cs.CoreV1().ConfigMaps(l.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svcList, err := l.cs.CoreV1().Services(l.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, cm := range cmList.Items {
		if cm.Name != "kube-root-ca.crt" {
			got["configmap/"+cm.Name] = cm.Data["v"]
		}
	}
	for _, svc := range svcList.Items {
		got["service/"+svc.Name] = present
		if svc.Spec.ClusterIP == "" || svc.Spec.Ports[0].NodePort == 0 {
			t.Errorf("Service %s is stored without its allocations: clusterIP %q, nodePort %d", svc.Name, svc.Spec.ClusterIP, svc.Spec.Ports[0].NodePort)
		}
	}
	for key, states := range l.want {
		state, ok := got[key]
		if !ok {
			state = absent
		}
		if !slices.Contains(states, state) {
			t.Errorf("%s is %s after the restart; its writes allow %s", key, state, strings.Join(states, " or "))
		}
	}
	for key, state := range got {
		if _, ok := l.want[key]; !ok {
			t.Errorf("%s (%s) is stored, but no client wrote it", key, state)
		}
	}
}

// knock creates n NodePort Services re-<r>-<j> in ns while the server
// restarts, retrying each until it succeeds (AlreadyExists counts: an
// earlier try was applied), and returns their names. Until the new
// process listens, every try fails to dial; the first that connects meets
// the server as soon as it serves.
func knock(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, r, n int) []string {
	var names []string
	seen := map[string]bool{}
	for j := range n {
		name := fmt.Sprintf("re-%d-%d", r, j)
		for {
			_, err := cs.CoreV1().Services(ns).Create(ctx, nodePortService(name, corev1.ServiceTypeNodePort), metav1.CreateOptions{})
			if err == nil || apierrors.IsAlreadyExists(err) {
				break
			}
			if ctx.Err() != nil {
				t.Errorf("create Service %s while the server restarts: %v", name, err)
				return names
			}
			if msg := errorKind(err); !seen[msg] {
				seen[msg] = true
				t.Logf("knocker %d: %s", r, msg)
			}
			time.Sleep(5 * time.Millisecond)
		}
		names = append(names, name)
	}
	return names
}

// errorKind is err without what changes from one try to the next (the
// client's port), to log each kind of failure once.
func errorKind(err error) string {
	if msg := err.Error(); !strings.Contains(msg, "connection refused") {
		return msg
	}
	return "connection refused"
}

// nodePortService is a Service of type typ with one TCP port.
func nodePortService(name string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}
}

// fillServiceRanges creates NodePort Services until the node ports run
// out, then ClusterIP Services until the addresses do, and checks that
// every value of both ranges is then held by exactly one Service.
func fillServiceRanges(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	fill := func(prefix string, typ corev1.ServiceType, full string) int {
		for i := 0; ; i++ {
			_, err := cs.CoreV1().Services(ns).Create(ctx, nodePortService(fmt.Sprintf("%s-%d", prefix, i), typ), metav1.CreateOptions{})
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), full) {
				t.Fatalf("create %s Service %d: %v; want success or %q", typ, i, err, full)
			}
			return i
		}
	}
	nodePorts := fill("fill-np", corev1.ServiceTypeNodePort, "failed to allocate a nodePort: range is full")
	clusterIPs := fill("fill-ip", corev1.ServiceTypeClusterIP, "failed to allocate a serviceIP: range is full")
	t.Logf("the ranges took %d NodePort and %d more ClusterIP Services", nodePorts, clusterIPs)

	list, err := cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ips, ports := map[string]string{}, map[string]string{}
	hold := func(held map[string]string, what, v, owner string) {
		if other, ok := held[v]; ok {
			t.Errorf("%s %s is held by both %s and %s", what, v, other, owner)
		}
		held[v] = owner
	}
	for _, svc := range list.Items {
		owner := svc.Namespace + "/" + svc.Name
		for _, ip := range svc.Spec.ClusterIPs {
			hold(ips, "ClusterIP", ip, owner)
		}
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				hold(ports, "NodePort", strconv.Itoa(int(p.NodePort)), owner)
			}
		}
	}
	if len(ips) != crashClusterIPs {
		t.Errorf("with the ClusterIP range full, Services hold %d addresses; want all %d (the others leaked)", len(ips), crashClusterIPs)
	}
	if len(ports) != crashPortCount {
		t.Errorf("with the NodePort range full, Services hold %d ports; want all %d (the others leaked)", len(ports), crashPortCount)
	}
}
