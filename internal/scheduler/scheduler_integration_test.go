package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/skiff-dev/skiff/internal/app"
)

func startServer(t *testing.T) kubernetes.Interface {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	srv, err := app.StartServer(context.Background(), app.ServerConfig{DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: dir + "/kubeconfig", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return kubernetes.NewForConfigOrDie(srv.Loopback())
}

func node(name, cpu string, labels map[string]string, taints ...v1.Taint) *v1.Node {
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu), v1.ResourceMemory: resource.MustParse("8Gi"), v1.ResourcePods: resource.MustParse("250")}
	return &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       v1.NodeSpec{Taints: taints},
		Status: v1.NodeStatus{Capacity: alloc, Allocatable: alloc,
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}},
	}
}

func pod(name, cpu string, selector map[string]string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.PodSpec{NodeSelector: selector, Containers: []v1.Container{{Name: "c", Image: "pause",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

func createNode(t *testing.T, cs kubernetes.Interface, n *v1.Node) {
	t.Helper()
	ctx := context.Background()
	status := n.Status
	got, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The control plane's node controllers (CIDR allocation, lifecycle
	// taints) may write the new node first, as they do in upstream, so the
	// status write retries on conflict from the latest object.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got.Status = status
		_, err := cs.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			if latest, gerr := cs.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{}); gerr == nil {
				got = latest
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out; last: %s", what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSchedulerPlacesPods places 200 pods over nodes honouring nodeSelector,
// taints and cpu, then leaves a too-big pod Pending with upstream's message
// until a node that fits joins.
func TestSchedulerPlacesPods(t *testing.T) {
	cs := startServer(t)
	ctx := context.Background()
	cp := v1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: v1.TaintEffectNoSchedule}
	for i := range 3 {
		createNode(t, cs, node(fmt.Sprintf("cp-%d", i), "64", map[string]string{"zone": "a"}, cp))
	}
	for i := range 2 {
		createNode(t, cs, node(fmt.Sprintf("worker-%d", i), "100", map[string]string{"zone": "a", "disk": fmt.Sprint(i)}))
	}
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	for i := range 200 {
		sel := map[string]string{"zone": "a"}
		if i%4 == 0 {
			sel["disk"] = "1"
		}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod(fmt.Sprintf("p-%d", i), "100m", sel), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "200 pods bound", func() (bool, string) {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		bound := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				bound++
			}
		}
		var un []string
		for _, p := range pods.Items {
			if p.Spec.NodeName == "" {
				un = append(un, fmt.Sprint(p.Name, p.Status.Conditions))
			}
		}
		return bound == 200, fmt.Sprintf("%d bound %v", bound, un)
	})
	pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	for _, p := range pods.Items {
		if strings.HasPrefix(p.Spec.NodeName, "cp-") || (p.Spec.NodeSelector["disk"] == "1" && p.Spec.NodeName != "worker-1") {
			t.Errorf("pod %s on %s; want a worker matching %v", p.Name, p.Spec.NodeName, p.Spec.NodeSelector)
		}
	}

	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("big", "120", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling."
	poll(t, "big pod Unschedulable", func() (bool, string) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "big", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range p.Status.Conditions {
			if c.Type == v1.PodScheduled {
				return c.Status == v1.ConditionFalse && c.Reason == v1.PodReasonUnschedulable && c.Message == want, c.Message
			}
		}
		return false, "no PodScheduled condition"
	})
	poll(t, "unschedulable attempts counted", func() (bool, string) {
		body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
		return err == nil && strings.Contains(string(body), "\n"+`scheduler_schedule_attempts_total{profile="default-scheduler",result="unschedulable"} `), fmt.Sprint(err)
	})
	poll(t, "FailedScheduling event", func() (bool, string) {
		evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=big"})
		if err != nil {
			return false, err.Error()
		}
		for _, e := range evs.Items {
			if e.Reason == "FailedScheduling" && e.Type == v1.EventTypeWarning && e.Message == want {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events", len(evs.Items))
	})
	createNode(t, cs, node("huge", "200", nil))
	poll(t, "big pod bound to huge", func() (bool, string) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "big", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Spec.NodeName == "huge", "on " + p.Spec.NodeName
	})
}
