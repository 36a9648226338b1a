package nodelifecycle

import (
	"context"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestMonitorOnFakeClock drives the monitor and evictor by hand on a fake
// clock: a node whose Lease stops being renewed turns Unknown after the
// grace period, gets the unreachable taints and its pods are marked not
// ready; a pod tolerating the taint for 300 s is evicted at 300 s, not
// before.
func TestMonitorOnFakeClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := &fakeClock{now: t0}
	node := readyNode(t0)
	renew := metav1.NewMicroTime(t0)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: leaseNamespace, Name: "n"},
		Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}
	tolerate := int64(300)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u"},
		Spec: corev1.PodSpec{NodeName: "n", Tolerations: []corev1.Toleration{{Key: taintUnreachable, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &tolerate}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	other := readyNode(t0) // a healthy node: the zone is not fully disrupted
	other.Name = "m"
	cs := fake.NewSimpleClientset(node, other, lease, pod)
	f := informers.NewSharedInformerFactory(cs, 0)
	c, err := New(Config{Client: cs, Factory: f, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	nodeReq, podReq := controller.Request{Name: "n"}, controller.Request{Namespace: "ns", Name: "p"}

	reconcileNode := func() *corev1.Node {
		t.Helper()
		if _, err := c.m.Reconcile(ctx, nodeReq); err != nil {
			t.Fatalf("reconcile node at %s: %v", clk.Now().Sub(t0), err)
		}
		n, err := cs.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// let the informer catch up with what the reconcile wrote
		waitCache(t, f.Core().V1().Nodes().Informer().GetStore(), n, func(o any) bool {
			c := o.(*corev1.Node)
			return readyStatus(c) == readyStatus(n) && len(c.Spec.Taints) == len(n.Spec.Taints)
		})
		return n
	}
	if n := reconcileNode(); readyStatus(n) != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatalf("at 0 s: ready %s taints %v; want True and none", readyStatus(n), n.Spec.Taints)
	}
	clk.Step(39 * time.Second)
	if n := reconcileNode(); readyStatus(n) != corev1.ConditionTrue {
		t.Fatalf("at 39 s: ready %s; want True", readyStatus(n))
	}
	clk.Step(2 * time.Second)
	n := reconcileNode()
	if readyStatus(n) != corev1.ConditionUnknown {
		t.Fatalf("at 41 s: ready %s; want Unknown", readyStatus(n))
	}
	if got := taintKeys(n.Spec.Taints); len(got) != 2 {
		t.Errorf("at 41 s: taints %v; want unreachable NoSchedule and NoExecute", got)
	}
	p, err := cs.CoreV1().Pods("ns").Get(ctx, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Errorf("pod Ready = %s; want False", p.Status.Conditions[0].Status)
	}
	waitCache(t, f.Core().V1().Pods().Informer().GetStore(), p, func(o any) bool {
		return o.(*corev1.Pod).Status.Conditions[0].Status == corev1.ConditionFalse
	})

	res, err := c.e.Reconcile(ctx, podReq)
	if err != nil || res.RequeueAfter != 300*time.Second {
		t.Errorf("evictor at taint time = %+v, %v; want a requeue after 300s", res, err)
	}
	clk.Step(299 * time.Second)
	if res, err := c.e.Reconcile(ctx, podReq); err != nil || res.RequeueAfter != time.Second {
		t.Errorf("evictor at 299 s = %+v, %v; want a requeue after 1s", res, err)
	}
	clk.Step(time.Second)
	if _, err := c.e.Reconcile(ctx, podReq); err != nil {
		t.Fatalf("evictor at 300 s: %v", err)
	}
	if _, err := cs.CoreV1().Pods("ns").Get(ctx, "p", metav1.GetOptions{}); err == nil {
		t.Errorf("pod still exists after its tolerationSeconds")
	}

	// The kubelet comes back: a renewed Lease and a Ready status.
	lease.Spec.RenewTime = &metav1.MicroTime{Time: clk.Now()}
	if _, err := cs.CoordinationV1().Leases(leaseNamespace).Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCache(t, f.Coordination().V1().Leases().Informer().GetStore(), lease, func(o any) bool {
		return o.(*coordinationv1.Lease).Spec.RenewTime.Equal(lease.Spec.RenewTime)
	})
	n = n.DeepCopy()
	n.Status.Conditions = readyNode(clk.Now()).Status.Conditions
	n, err = cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitCache(t, f.Core().V1().Nodes().Informer().GetStore(), n, func(o any) bool {
		return readyStatus(o.(*corev1.Node)) == corev1.ConditionTrue
	})
	if n := reconcileNode(); readyStatus(n) != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Errorf("after recovery: ready %s taints %v; want True and none", readyStatus(n), n.Spec.Taints)
	}
}

// waitCache waits until the store's copy of obj satisfies ok (the fake
// clientset keeps no resourceVersions to compare). It polls the
// informer's store, which a goroutine fills: no clock is involved.
func waitCache(t *testing.T, store cache.Store, obj metav1.Object, ok func(any) bool) {
	t.Helper()
	for range 5000 {
		got, found, _ := store.Get(obj)
		if found && ok(got) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("cache never caught up with %s", obj.GetName())
}
