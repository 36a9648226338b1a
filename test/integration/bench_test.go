package integration

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/bench"
)

// BenchmarkGetConfigMap gets one ConfigMap over HTTPS with client-go in
// protobuf, as `skiff bench api`'s get rows do, from the shared server.
// Client and server share the process, so -memprofile and -cpuprofile
// show both: focus on internal/apiserver for the server's part.
//
//	go test -run '^$' -bench GetConfigMap -benchmem -memprofile mem.out ./test/integration/
func BenchmarkGetConfigMap(b *testing.B) {
	ctx := context.Background()
	cs := benchClient(b)
	ns := benchNamespace(b, cs, "bench-get")
	cms := cs.CoreV1().ConfigMaps(ns)
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cms.Get(ctx, "cm", metav1.GetOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreatePod creates `skiff bench api`'s pods (bench.Pod) with
// client-go in protobuf. The server's controllers and scheduler react to
// each as they would to the bench's, and their allocations show in
// -memprofile too.
func BenchmarkCreatePod(b *testing.B) {
	ctx := context.Background()
	cs := benchClient(b)
	ns := benchNamespace(b, cs, "bench-create")
	pods := cs.CoreV1().Pods(ns)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := bench.Pod(ns, fmt.Sprintf("pod-%d", seq.Add(1)))
			if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchNamespace creates a namespace named after prefix for a benchmark.
func benchNamespace(b *testing.B, cs kubernetes.Interface, prefix string) string {
	ns := uniqueName(prefix)
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	return ns
}

// benchClient is a client-go clientset for the shared server that speaks
// protobuf, as client-go does by default, with no client-side rate limit.
func benchClient(b *testing.B) kubernetes.Interface {
	cfg := protobufConfig()
	cfg.QPS, cfg.Burst = -1, 0
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return cs
}
