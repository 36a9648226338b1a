package kubelet

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	testclock "k8s.io/utils/clock/testing"
)

func TestPodCIDRReadDue(t *testing.T) {
	reg := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		known      bool
		registered time.Time
		lastRead   time.Time
		now        time.Time
		want       bool
	}{
		{"range known", true, reg, time.Time{}, reg.Add(time.Second), false},
		{"not registered", false, time.Time{}, time.Time{}, reg, false},
		{"first pod after registration", false, reg, time.Time{}, reg.Add(500 * time.Millisecond), true},
		{"read half a second ago", false, reg, reg.Add(2 * time.Second), reg.Add(2500 * time.Millisecond), false},
		{"read a second ago", false, reg, reg.Add(2 * time.Second), reg.Add(3 * time.Second), true},
		{"just inside the wait", false, reg, reg.Add(time.Second), reg.Add(podCIDRWait - time.Millisecond), true},
		{"wait over, never read", false, reg, time.Time{}, reg.Add(podCIDRWait), false},
		{"a minute after registration", false, reg, reg.Add(time.Second), reg.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podCIDRReadDue(tt.known, tt.registered, tt.lastRead, tt.now); got != tt.want {
				t.Errorf("podCIDRReadDue(%v, %v, %v, %v) = %v; want %v", tt.known, tt.registered, tt.lastRead, tt.now, got, tt.want)
			}
		})
	}
}

// TestEnsurePodCIDRWaitsForIPAM: in the wait after registration a sandbox
// is held until the node's pod range arrives, through the Node watch
// (HandleNode) or a read of the Node; once the wait is over it goes on
// without one.
func TestEnsurePodCIDRWaitsForIPAM(t *testing.T) {
	newKubelet := func(t *testing.T, node *corev1.Node) (*Kubelet, *testclock.FakeClock) {
		t.Helper()
		clk := testclock.NewFakeClock(time.Unix(1767225600, 0))
		rt := &cidrRuntime{}
		k, err := New(Config{NodeName: node.Name, Client: fake.NewClientset(node), Runtime: rt, NodeIP: "127.0.0.1", Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		k.registeredAt = clk.Now()
		return k, clk
	}
	ensure := func(k *Kubelet) chan struct{} {
		done := make(chan struct{})
		go func() { k.ensurePodCIDR(context.Background()); close(done) }()
		return done
	}
	waiting := func(t *testing.T, done chan struct{}) {
		t.Helper()
		select {
		case <-done:
			t.Fatal("the sandbox went ahead without the node's pod range")
		case <-time.After(50 * time.Millisecond):
		}
	}
	finished := func(t *testing.T, done chan struct{}, what string) {
		t.Helper()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("the sandbox still waits after %s", what)
		}
	}
	bare := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: "1"}}
	withRange := bare.DeepCopy()
	withRange.ResourceVersion, withRange.Spec.PodCIDR = "2", "10.42.7.0/24"

	t.Run("range through the watch", func(t *testing.T) {
		k, _ := newKubelet(t, bare)
		done := ensure(k)
		waiting(t, done)
		k.HandleNode(withRange)
		finished(t, done, "the watch brought the range")
	})
	t.Run("range through a read a second later", func(t *testing.T) {
		k, clk := newKubelet(t, bare)
		done := ensure(k)
		waiting(t, done)
		if _, err := k.cfg.Client.CoreV1().Nodes().Update(context.Background(), withRange, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		for !clk.HasWaiters() {
			time.Sleep(time.Millisecond)
		}
		clk.Step(time.Second)
		finished(t, done, "the Node read brought the range")
		if k.cidr != "10.42.7.0/24" {
			t.Errorf("cidr = %q", k.cidr)
		}
	})
	t.Run("no range: the wait ends", func(t *testing.T) {
		k, clk := newKubelet(t, bare)
		done := ensure(k)
		for range int(podCIDRWait / time.Second) {
			waiting(t, done)
			for !clk.HasWaiters() {
				time.Sleep(time.Millisecond)
			}
			clk.Step(time.Second)
		}
		finished(t, done, "the wait was over")
	})
	t.Run("range known", func(t *testing.T) {
		k, _ := newKubelet(t, withRange)
		k.HandleNode(withRange)
		finished(t, ensure(k), "the range was known")
	})
}

// cidrRuntime records the pod range it is given; nothing else is called.
type cidrRuntime struct {
	Runtime
	cidr string
}

func (r *cidrRuntime) SetNotify(func(types.UID)) {}
func (r *cidrRuntime) SetPodCIDR(cidr string) error {
	r.cidr = cidr
	return nil
}
