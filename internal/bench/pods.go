package bench

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// Pod is the Pod the bench stores, shaped like a small real workload: one
// container with requests, limits, a port, an env var and a probe. The
// integration benchmarks create the same.
func Pod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "bench", "tier": "web"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "web",
				Image: "registry.k8s.io/pause:3.10",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "bench"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")},
				},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
					HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")},
				}},
			}},
		},
	}
}

// fillPods stores n Pods in namespace bench-pods and returns the create row
// of that fill.
func fillPods(ctx context.Context, cs kubernetes.Interface, cfg *Config, n int) (Row, error) {
	const ns = "bench-pods"
	if err := createNamespace(ctx, cs, ns); err != nil {
		return Row{}, err
	}
	pods := cs.CoreV1().Pods(ns)
	fmt.Fprintf(cfg.Progress, "bench: create %d pods\n", n)
	out := run(ctx, plan{workers: cfg.Workers, count: n, rate: cfg.Rate}, func(ctx context.Context, i int) error {
		_, err := pods.Create(ctx, Pod(ns, fmt.Sprintf("pod-%d", i)), metav1.CreateOptions{})
		return err
	})
	if out.errors > 0 {
		return Row{}, fmt.Errorf("store %d pods: %d failed, first: %w", n, out.errors, out.firstErr)
	}
	return newRow("create", "pods", 0, out), nil
}
