package nodeipam

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestManyNodesGetDistinctRanges: nodes joining at once are patched by
// the workers in parallel, and no range is handed out twice.
func TestManyNodesGetDistinctRanges(t *testing.T) {
	var objs []runtime.Object
	for i := range 200 {
		objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n-%03d", i)}})
	}
	cs := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(cs, 0)
	c, err := New(Config{Client: cs, Factory: f, ClusterCIDR: "10.64.0.0/16", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done; f.Shutdown() }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen, assigned := map[string]string{}, 0
		for _, n := range nodes.Items {
			if n.Spec.PodCIDR == "" {
				continue
			}
			assigned++
			if other, dup := seen[n.Spec.PodCIDR]; dup {
				t.Fatalf("%s and %s both hold %s", other, n.Name, n.Spec.PodCIDR)
			}
			seen[n.Spec.PodCIDR] = n.Name
			if len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
				t.Fatalf("%s: podCIDRs %v, podCIDR %s", n.Name, n.Spec.PodCIDRs, n.Spec.PodCIDR)
			}
		}
		if assigned == len(nodes.Items) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d nodes have a range", assigned, len(nodes.Items))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
