package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/app"
)

const (
	scaleNodes = 50
	zoneKey    = "topology.kubernetes.io/zone"
	hostKey    = "kubernetes.io/hostname"
)

// scaleCluster is a server with its scheduler and 50 hollow nodes
// scale-0..scale-49: zone-(i%5) each; scale-0..9 carry disk=ssd;
// scale-40..49 carry gpu=true and the taint dedicated=gpu:NoSchedule.
func scaleCluster(t *testing.T) kubernetes.Interface {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := app.StartServer(context.Background(), app.ServerConfig{DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: dir + "/kubeconfig", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	agent, err := app.StartAgent(context.Background(), app.AgentConfig{REST: srv.Loopback(), Simulate: scaleNodes,
		NodeNamePrefix: "scale-", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	cs := kubernetes.NewForConfigOrDie(srv.Loopback())
	ctx := context.Background()
	for i := range scaleNodes {
		meta := map[string]any{"labels": map[string]string{zoneKey: fmt.Sprintf("zone-%d", i%5)}}
		patch := map[string]any{"metadata": meta}
		switch {
		case i < 10:
			meta["labels"].(map[string]string)["disk"] = "ssd"
		case i >= 40:
			meta["labels"].(map[string]string)["gpu"] = "true"
			patch["spec"] = map[string]any{"taints": []v1.Taint{{Key: "dedicated", Value: "gpu", Effect: v1.TaintEffectNoSchedule}}}
		}
		if _, err := cs.CoreV1().Nodes().Patch(ctx, fmt.Sprintf("scale-%d", i), types.StrategicMergePatchType, mustJSON(t, patch), metav1.PatchOptions{}); err != nil {
			t.Fatalf("label node %d: %v", i, err)
		}
	}
	return cs
}

// scalePod is a pod of kind (its app label) with cpu requested.
func scalePod(kind string, i int, cpu string) *v1.Pod {
	req := v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu), v1.ResourceMemory: resource.MustParse("64Mi")}
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", kind, i), Labels: map[string]string{"app": kind}},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "pause",
			Resources: v1.ResourceRequirements{Requests: req}}}},
	}
}

// constraintKinds are the pods of the test, one kind per constraint, with
// how many of each: 500 in all.
var constraintKinds = []struct {
	kind  string
	count int
	make  func(i int) *v1.Pod
}{
	{"sel", 120, func(i int) *v1.Pod {
		p := scalePod("sel", i, "100m")
		p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		return p
	}},
	{"aff", 100, func(i int) *v1.Pod {
		p := scalePod("aff", i, "100m")
		p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{
			NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{
				{Key: zoneKey, Operator: v1.NodeSelectorOpIn, Values: []string{"zone-1", "zone-2"}},
				{Key: "gpu", Operator: v1.NodeSelectorOpDoesNotExist},
			}}}}}}
		return p
	}},
	{"tol", 60, func(i int) *v1.Pod {
		p := scalePod("tol", i, "100m")
		p.Spec.NodeSelector = map[string]string{"gpu": "true"}
		p.Spec.Tolerations = []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "gpu", Effect: v1.TaintEffectNoSchedule}}
		return p
	}},
	{"big", 60, func(i int) *v1.Pod { return scalePod("big", i, "1500m") }},
	{"port", 30, func(i int) *v1.Pod {
		p := scalePod("port", i, "100m")
		p.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 80, HostPort: 8080, Protocol: v1.ProtocolTCP}}
		return p
	}},
	{"spread", 60, func(i int) *v1.Pod {
		p := scalePod("spread", i, "100m")
		p.Spec.TopologySpreadConstraints = []v1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: zoneKey,
			WhenUnsatisfiable: v1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
		return p
	}},
	{"anti", 10, func(i int) *v1.Pod {
		p := scalePod("anti", i, "100m")
		p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
			TopologyKey: hostKey, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "anti"}}}}}}
		return p
	}},
	{"plain", 60, func(i int) *v1.Pod { return scalePod("plain", i, "100m") }},
}

// TestSchedulerScale places 500 pods over 50 hollow nodes, each kind of
// pod honouring one constraint the scheduler has (nodeSelector, required
// node affinity, taints and tolerations, cpu requests, host ports,
// topology spread over zones, pod anti-affinity on hostname), and checks
// every placement against its constraint.
func TestSchedulerScale(t *testing.T) {
	cs := scaleCluster(t)
	ctx := context.Background()
	const ns = "scale"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitScale(t, "default service account", 30*time.Second, func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	var pods []*v1.Pod
	for _, k := range constraintKinds {
		for i := range k.count {
			pods = append(pods, k.make(i))
		}
	}
	createAll(t, cs, ns, pods)
	var placed []v1.Pod
	waitScale(t, fmt.Sprintf("%d pods bound", len(pods)), 60*time.Second, func() (bool, string) {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var pending []string
		for _, p := range list.Items {
			if p.Spec.NodeName == "" {
				pending = append(pending, p.Name)
			}
		}
		placed = list.Items
		return len(list.Items) == len(pods) && len(pending) == 0, fmt.Sprintf("%d pods, unbound: %v", len(list.Items), pending)
	})
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkPlacements(t, nodes.Items, placed)
}

// createAll creates pods in ns with 8 workers.
func createAll(t *testing.T, cs kubernetes.Interface, ns string, pods []*v1.Pod) {
	t.Helper()
	work := make(chan *v1.Pod)
	errs := make(chan error, len(pods))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				if _, err := cs.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
					errs <- fmt.Errorf("create %s: %w", p.Name, err)
				}
			}
		}()
	}
	for _, p := range pods {
		work <- p
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkPlacements verifies every pod against its constraint and every
// node against its capacity and host ports.
func checkPlacements(t *testing.T, nodes []v1.Node, pods []v1.Pod) {
	t.Helper()
	byName := map[string]*v1.Node{}
	for i := range nodes {
		byName[nodes[i].Name] = &nodes[i]
	}
	cpu := map[string]int64{}
	ports := map[string]int{}
	zones := map[string]int{}
	antiNodes := map[string]string{}
	for _, p := range pods {
		n := byName[p.Spec.NodeName]
		if n == nil {
			t.Errorf("pod %s on unknown node %q", p.Name, p.Spec.NodeName)
			continue
		}
		nl := labels.Set(n.Labels)
		cpu[n.Name] += p.Spec.Containers[0].Resources.Requests.Cpu().MilliValue()
		tolerated := len(p.Spec.Tolerations) > 0
		if len(n.Spec.Taints) > 0 && !tolerated {
			t.Errorf("pod %s (no toleration) on tainted node %s", p.Name, n.Name)
		}
		for k, v := range p.Spec.NodeSelector {
			if nl[k] != v {
				t.Errorf("pod %s on %s: nodeSelector %s=%s, node has %q", p.Name, n.Name, k, v, nl[k])
			}
		}
		switch app := p.Labels["app"]; app {
		case "aff":
			if z := nl[zoneKey]; (z != "zone-1" && z != "zone-2") || nl.Has("gpu") {
				t.Errorf("pod %s on %s (zone %s, gpu %q); want zone-1 or zone-2 without gpu", p.Name, n.Name, z, nl["gpu"])
			}
		case "port":
			ports[n.Name]++
		case "spread":
			zones[nl[zoneKey]]++
		case "anti":
			if other, ok := antiNodes[n.Name]; ok {
				t.Errorf("anti-affinity pods %s and %s share node %s", other, p.Name, n.Name)
			}
			antiNodes[n.Name] = p.Name
		}
	}
	for name, used := range cpu {
		if alloc := byName[name].Status.Allocatable.Cpu().MilliValue(); used > alloc {
			t.Errorf("node %s: %dm cpu requested; allocatable %dm", name, used, alloc)
		}
	}
	for name, n := range ports {
		if n > 1 {
			t.Errorf("node %s: %d pods with host port 8080; want at most 1", name, n)
		}
	}
	lo, hi := 1<<30, 0
	for z := range 5 {
		c := zones[fmt.Sprintf("zone-%d", z)]
		lo, hi = min(lo, c), max(hi, c)
	}
	if hi-lo > 1 {
		t.Errorf("spread pods per zone = %v; want a skew of at most 1", zones)
	}
}

// waitScale polls cond every 100 ms until it holds or limit passes.
func waitScale(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out after %v; last: %s", what, limit, strings.TrimSpace(last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
