package integration

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
	cs := benchClient(b)
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

// BenchmarkCreatePod creates pods shaped like `skiff bench api`'s (one
// container with requests, limits, a port, an env var and a probe) with
// client-go in protobuf. The server's controllers and scheduler react to
// each as they would to the bench's, and their allocations show in
// -memprofile too.
func BenchmarkCreatePod(b *testing.B) {
	ctx := context.Background()
	cs := benchClient(b)
	ns := uniqueName("bench-create")
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	pods := cs.CoreV1().Pods(ns)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%d", seq.Add(1)), Labels: map[string]string{"app": "bench"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.k8s.io/pause:3.10",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
					Env:   []corev1.EnvVar{{Name: "MODE", Value: "bench"}},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")},
					},
				}}},
			}
			if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchClient is a client-go clientset for the shared server that speaks
// protobuf, as client-go does by default, with no client-side rate limit.
func benchClient(b *testing.B) kubernetes.Interface {
	cfg := rest.CopyConfig(shared.cfg)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.QPS, cfg.Burst = -1, 0
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return cs
}
