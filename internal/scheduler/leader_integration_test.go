package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/scheduler"
)

// TestLeaderElectionTakeover runs two schedulers against one server
// (whose own scheduler is off): only the Lease holder schedules; when it
// stops, it releases the Lease and the other takes over. The renew
// deadline is long so that a loaded machine cannot make a miss its renewal
// (b would then lead, and the counts differ); the takeover does not wait
// for it, as a releases the Lease when it stops.
func TestLeaderElectionTakeover(t *testing.T) {
	srv, cs := startFullServer(t, true)
	ctx := context.Background()
	conf, err := scheduler.ParseConfig([]byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n" +
		"leaderElection:\n  leaseDuration: 20s\n  renewDeadline: 15s\n  retryPeriod: 250ms\n  resourceName: skiff-test-scheduler\n"))
	if err != nil {
		t.Fatal(err)
	}
	start := func(id string) (*scheduler.Elector, context.CancelFunc, chan struct{}) {
		e, err := scheduler.NewElector(scheduler.Config{Client: kubernetes.NewForConfigOrDie(srv.Loopback()), Configuration: conf,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, id)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return e, cancel, done
	}
	holder := func(want string) func() (bool, string) {
		return func() (bool, string) {
			l, err := cs.CoordinationV1().Leases("kube-system").Get(ctx, "skiff-test-scheduler", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			got := ""
			if l.Spec.HolderIdentity != nil {
				got = *l.Spec.HolderIdentity
			}
			return got == want, "holder " + got
		}
	}
	a, stopA, doneA := start("a")
	poll(t, "a leads", func() (bool, string) { return a.Leading(), "" })
	poll(t, "lease held by a", holder("a"))
	b, _, _ := start("b")
	createNode(t, cs, node("le-node", "8", nil))
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	bound := func(name string) func() (bool, string) {
		return func() (bool, string) {
			p, err := cs.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return p.Spec.NodeName == "le-node", "on " + p.Spec.NodeName
		}
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("le-1", "100m", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "le-1 bound", bound("le-1"))
	// The counter moves once the Binding call returns, a moment after the
	// pod shows its node.
	poll(t, "a counts le-1", func() (bool, string) { return a.Scheduled() == 1, fmt.Sprint(a.Scheduled()) })
	if ga, gb := a.Scheduled(), b.Scheduled(); ga != 1 || gb != 0 || b.Leading() {
		t.Fatalf("while a leads: a scheduled %d, b scheduled %d (leading %v); want 1, 0, false", ga, gb, b.Leading())
	}
	stopA()
	<-doneA
	poll(t, "b leads", func() (bool, string) { return b.Leading(), "" })
	poll(t, "lease held by b", holder("b"))
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("le-2", "100m", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "le-2 bound", bound("le-2"))
	poll(t, "b counts le-2", func() (bool, string) { return b.Scheduled() == 1, fmt.Sprint(b.Scheduled()) })
	if ga, gb := a.Scheduled(), b.Scheduled(); ga != 1 || gb != 1 {
		t.Errorf("after the takeover: a scheduled %d, b scheduled %d; want 1, 1", ga, gb)
	}
}

// TestLeaderSharedInformers: a scheduler on the process's shared informer
// factory loses its Lease to another holder and wins it back; the factory
// keeps running (the scheduler never shuts it down) and the second term
// schedules from it.
func TestLeaderSharedInformers(t *testing.T) {
	srv, cs := startFullServer(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	conf, err := scheduler.ParseConfig([]byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n" +
		"leaderElection:\n  leaseDuration: 3s\n  renewDeadline: 2s\n  retryPeriod: 250ms\n  resourceName: skiff-shared-scheduler\n"))
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(srv.Loopback())
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(controller.NewCacheTransform()))
	e, err := scheduler.NewElector(scheduler.Config{Client: client, Configuration: conf, Informers: factory,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, "shared")
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	createNode(t, cs, node("shared-node", "8", nil))
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	bound := func(name string) func() (bool, string) {
		return func() (bool, string) {
			p, err := cs.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return p.Spec.NodeName == "shared-node", "on " + p.Spec.NodeName
		}
	}
	poll(t, "leads", func() (bool, string) { return e.Leading(), "" })
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("shared-1", "100m", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "shared-1 bound", bound("shared-1"))

	// Another holder takes the Lease: the term ends, the elector stands again.
	poll(t, "lease stolen", func() (bool, string) {
		l, err := cs.CoordinationV1().Leases("kube-system").Get(ctx, "skiff-shared-scheduler", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		thief, now := "thief", metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.RenewTime, l.Spec.AcquireTime = &thief, &now, &now
		_, err = cs.CoordinationV1().Leases("kube-system").Update(ctx, l, metav1.UpdateOptions{})
		return err == nil, fmt.Sprint(err)
	})
	poll(t, "leadership lost", func() (bool, string) { return !e.Leading(), "" })
	poll(t, "leads again", func() (bool, string) { return e.Leading(), "" })
	if factory.Core().V1().Pods().Informer().IsStopped() {
		t.Fatalf("pod informer stopped after a term; want the shared factory running")
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod("shared-2", "100m", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "shared-2 bound", bound("shared-2"))
	// The counter moves once the Binding call returns, a moment after the
	// pod shows its node.
	poll(t, "scheduled 2", func() (bool, string) { return e.Scheduled() == 2, fmt.Sprintf("scheduled %d; want 2", e.Scheduled()) })
}
