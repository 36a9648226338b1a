package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/app"
)

// startFullServer starts a server (with or without its scheduler) and
// returns it with an admin client.
func startFullServer(t *testing.T, disableScheduler bool) (*app.Server, kubernetes.Interface) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	srv, err := app.StartServer(context.Background(), app.ServerConfig{DataDir: dir, HTTPSPort: port, BindAddress: "127.0.0.1",
		WriteKubeconfig: dir + "/kubeconfig", DisableScheduler: disableScheduler, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv, kubernetes.NewForConfigOrDie(srv.Loopback())
}

func priorityPod(name, class, cpu string) *v1.Pod {
	p := pod(name, cpu, nil)
	p.Spec.PriorityClassName = class
	return p
}

// TestPreemptionOnHollowNode fills a 4-cpu hollow node with four 1-cpu
// low-priority pods; a 2-cpu high-priority pod preempts the two started
// last (Preempted events, upstream's text), is nominated to the node and
// ends Running there beside the two others.
func TestPreemptionOnHollowNode(t *testing.T) {
	srv, cs := startFullServer(t, false)
	ctx := context.Background()
	agent, err := app.StartAgent(ctx, app.AgentConfig{REST: srv.Loopback(), Simulate: 1, NodeNamePrefix: "pre-",
		PodStartLatency: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	for name, value := range map[string]int32{"low": 100, "high": 1000} {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
		if _, err := cs.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	for i := range 4 {
		if _, err := cs.CoreV1().Pods("default").Create(ctx, priorityPod(fmt.Sprintf("low-%d", i), "low", "1"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		poll(t, fmt.Sprintf("low-%d Running", i), podPhase(cs, "low-"+fmt.Sprint(i), v1.PodRunning))
		time.Sleep(1100 * time.Millisecond) // distinct start times (one-second resolution) decide the victims
	}
	high, err := cs.CoreV1().Pods("default").Create(ctx, priorityPod("high", "high", "2"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if high.Spec.Priority == nil || *high.Spec.Priority != 1000 {
		t.Fatalf("high pod priority = %v; want 1000 from its PriorityClass", high.Spec.Priority)
	}
	var nominated string
	poll(t, "high Running on pre-0", func() (bool, string) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "high", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if p.Status.NominatedNodeName != "" {
			nominated = p.Status.NominatedNodeName
		}
		return p.Spec.NodeName == "pre-0" && p.Status.Phase == v1.PodRunning, fmt.Sprintf("node %q phase %s conditions %v", p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
	})
	if nominated != "" && nominated != "pre-0" {
		t.Errorf("high nominatedNodeName = %q; want pre-0", nominated)
	}
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, p := range pods.Items {
		if strings.HasPrefix(p.Name, "low-") && p.DeletionTimestamp == nil {
			left = append(left, p.Name)
		}
	}
	slices.Sort(left)
	if want := []string{"low-0", "low-1"}; !slices.Equal(left, want) {
		t.Errorf("low pods left = %v; want %v (the ones started first)", left, want)
	}
	want := fmt.Sprintf("Preempted by pod %s on node pre-0", high.UID)
	poll(t, "Preempted events on the victims", func() (bool, string) {
		evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "reason=Preempted"})
		if err != nil {
			return false, err.Error()
		}
		var got []string
		for _, e := range evs.Items {
			if e.Message == want && e.Type == v1.EventTypeNormal {
				got = append(got, e.InvolvedObject.Name)
			}
		}
		slices.Sort(got)
		return slices.Equal(got, []string{"low-2", "low-3"}), fmt.Sprintf("events on %v", got)
	})
	// One preemption chose a node with two victims (the victims' sum and
	// count: 2 in the bucket le="2").
	wantMetrics(t, cs, `scheduler_preemption_victims_bucket{le="2"} 1`, `scheduler_preemption_victims_sum 2`)
}

func podPhase(cs kubernetes.Interface, name string, phase v1.PodPhase) func() (bool, string) {
	return func() (bool, string) {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == phase, string(p.Status.Phase)
	}
}
