package integration

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestGetAfterWriteSeesIt: a get or list without a resourceVersion (the
// consistent read every client makes by default) that starts after a
// write returned sees that write, whichever client made it, on either
// wire. The server answers such a get from its watch cache when the cache
// has caught up with etcd and from etcd when it has not. Other clients
// keep writing ConfigMaps meanwhile, so that the cache has a backlog of
// their events to apply now and then when a read comes: the reads land on
// both sides of that race, as a busy server's clients' do.
func TestGetAfterWriteSeesIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ns, busy := newNamespace(t), newNamespace(t)
	pb, js := wireClient(t, wires[0]), wireClient(t, wires[1])
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for w := range 4 {
		cs := wireClient(t, wires[w%2])
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				_, _ = cs.CoreV1().ConfigMaps(busy).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("w%d-%d", w, i)}}, metav1.CreateOptions{})
			}
		})
	}
	cm, err := pb.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "rw", Labels: map[string]string{"test": "rw"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		// Alternate the writer and read with both clients: the reader is
		// another connection than the writer half of the time.
		writer, other := pb, js
		if i%2 == 1 {
			writer, other = js, pb
		}
		v := strconv.Itoa(i)
		cm.Data = map[string]string{"v": v}
		cm, err = writer.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		for name, reader := range map[string]kubernetes.Interface{"writer": writer, "other client": other} {
			got, err := reader.CoreV1().ConfigMaps(ns).Get(ctx, "rw", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get after update %d (%s): %v", i, name, err)
			}
			if got.ResourceVersion != cm.ResourceVersion || got.Data["v"] != v {
				t.Fatalf("get after update %d (%s) = resourceVersion %s, v=%q; want %s, %q", i, name, got.ResourceVersion, got.Data["v"], cm.ResourceVersion, v)
			}
		}
		if i%20 == 0 {
			list, err := other.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "test=rw"})
			if err != nil {
				t.Fatalf("list after update %d: %v", i, err)
			}
			if len(list.Items) != 1 || list.Items[0].Data["v"] != v {
				t.Fatalf("list after update %d = %d items %v; want the update's", i, len(list.Items), list.Items)
			}
		}
	}
}
