package integration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// BenchmarkGetConfigMap gets one ConfigMap over HTTPS with client-go in
// protobuf, as `skiff bench api`'s get rows do, from the shared server.
// Client and server share the process, so -memprofile and -cpuprofile
// show both: focus on internal/apiserver for the server's part.
//
//	go test -run '^$' -bench GetConfigMap -benchmem -memprofile mem.out ./test/integration/
func BenchmarkGetConfigMap(b *testing.B) {
	ctx := context.Background()
	cfg := rest.CopyConfig(shared.cfg)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.QPS, cfg.Burst = -1, 0
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ns := uniqueName("bench-get")
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
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
