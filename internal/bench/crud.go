package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// extraLabel marks the ConfigMaps a create row adds, so that the delete row
// can find them again.
const extraLabel = "bench.skiff.dev/extra"

func configMap(ns, name string, i int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "bench"}},
		Data:       map[string]string{"index": strconv.Itoa(i), "payload": "skiff-bench-payload-0123456789abcdef"},
	}
}

func createNamespace(ctx context.Context, cs kubernetes.Interface, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// crudRows fills a namespace with size ConfigMaps and measures create,
// delete, get, update and list against it with cs. cleanup is a JSON client
// used only to repair after a failed delete row.
// cpu, when not nil, reads the server's CPU time, which each row divides by
// its count.
func crudRows(ctx context.Context, cs, cleanup kubernetes.Interface, cfg *Config, size int, cpu func() time.Duration) ([]Row, error) {
	ns := fmt.Sprintf("bench-%d", size)
	if err := createNamespace(ctx, cs, ns); err != nil {
		return nil, err
	}
	cms := cs.CoreV1().ConfigMaps(ns)
	name := func(i int) string { return fmt.Sprintf("cm-%d", i) }
	fill := run(ctx, plan{workers: cfg.Workers, count: size}, func(ctx context.Context, i int) error {
		_, err := cms.Create(ctx, configMap(ns, name(i), i), metav1.CreateOptions{})
		return err
	})
	if fill.firstErr != nil {
		return nil, fmt.Errorf("fill %s with %d configmaps: %w", ns, size, fill.firstErr)
	}
	each := plan{workers: cfg.Workers, count: cfg.Count, duration: cfg.Duration, rate: cfg.Rate}
	lists := plan{workers: cfg.Workers, count: cfg.ListCount, duration: cfg.Duration, rate: cfg.Rate}
	row := func(op string, p plan, f opFunc) Row {
		fmt.Fprintf(cfg.Progress, "bench: %s configmaps in a namespace of %d\n", op, size)
		var before time.Duration
		if cpu != nil {
			before = cpu()
		}
		r := newRow(op, "configmaps", size, run(ctx, p, f))
		if cpu != nil && r.Count > 0 {
			r.ServerCPUMsPerOp = millis(cpu()-before) / float64(r.Count)
		}
		return r
	}
	var rows []Row
	rows = append(rows, row("create", each, func(ctx context.Context, i int) error {
		cm := configMap(ns, fmt.Sprintf("extra-%d", i), i)
		cm.Labels[extraLabel] = "true"
		_, err := cms.Create(ctx, cm, metav1.CreateOptions{})
		return err
	}))
	// Delete what create added, so the namespace holds size objects again.
	extras, err := cms.List(ctx, metav1.ListOptions{LabelSelector: extraLabel})
	if err != nil {
		return rows, fmt.Errorf("list created configmaps: %w", err)
	}
	del := row("delete", plan{workers: cfg.Workers, count: len(extras.Items), rate: cfg.Rate}, func(ctx context.Context, i int) error {
		return cms.Delete(ctx, extras.Items[i].Name, metav1.DeleteOptions{})
	})
	rows = append(rows, del)
	if del.Errors > 0 {
		// The row keeps its errors; clean up over JSON so that the
		// following rows still see size objects.
		if err := deleteAll(ctx, cleanup.CoreV1().ConfigMaps(ns), extraLabel); err != nil {
			return rows, err
		}
	}
	rows = append(rows, row("get", each, func(ctx context.Context, _ int) error {
		_, err := cms.Get(ctx, name(rand.IntN(size)), metav1.GetOptions{})
		return err
	}))
	rows = append(rows, row("update", each, func(ctx context.Context, i int) error {
		// No resourceVersion: an unconditional update never conflicts, so
		// the row times the server rather than client retries. With one
		// object all workers update the same key.
		_, err := cms.Update(ctx, configMap(ns, name(i%size), i), metav1.UpdateOptions{})
		return err
	}))
	rows = append(rows, row("list", lists, func(ctx context.Context, _ int) error {
		l, err := cms.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		// Every namespace also holds the kube-root-ca.crt ConfigMap the
		// server publishes, as upstream's does: count only ours.
		got := 0
		for i := range l.Items {
			if l.Items[i].Labels["app"] == "bench" {
				got++
			}
		}
		if got != size {
			return fmt.Errorf("list %s: got %d bench configmaps, want %d", ns, got, size)
		}
		return nil
	}))
	return rows, nil
}

// deleteAll deletes every ConfigMap matching selector, untimed.
func deleteAll(ctx context.Context, cms typedcorev1.ConfigMapInterface, selector string) error {
	l, err := cms.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return fmt.Errorf("list configmaps to clean up: %w", err)
	}
	for _, cm := range l.Items {
		if err := cms.Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("clean up configmap %s: %w", cm.Name, err)
		}
	}
	return nil
}
