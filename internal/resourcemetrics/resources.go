package resourcemetrics

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/apis/printers"
)

// Resources describes nodes and pods of metrics.k8s.io/v1beta1 as
// metrics-server advertises them: get and list, no singular name, and
// tables with NAME, CPU, MEMORY and WINDOW columns.
func Resources() (nodes, pods *apis.Resource) {
	nodes = &apis.Resource{
		GVR: GroupVersion.WithResource("nodes"), Kind: "NodeMetrics", Verbs: []string{"get", "list"},
		New:     func() runtime.Object { return &metricsv1beta1.NodeMetrics{} },
		NewList: func() runtime.Object { return &metricsv1beta1.NodeMetricsList{} },
		Printer: &printers.Printer{Columns: columns, Row: func(obj runtime.Object, _ time.Time) ([]any, error) {
			m, ok := obj.(*metricsv1beta1.NodeMetrics)
			if !ok {
				return nil, errKind(obj)
			}
			return row(m.Name, m.Usage, m.Window.Duration), nil
		}},
	}
	pods = &apis.Resource{
		GVR: GroupVersion.WithResource("pods"), Kind: "PodMetrics", Namespaced: true, Verbs: []string{"get", "list"},
		New:     func() runtime.Object { return &metricsv1beta1.PodMetrics{} },
		NewList: func() runtime.Object { return &metricsv1beta1.PodMetricsList{} },
		Printer: &printers.Printer{Columns: columns, Row: func(obj runtime.Object, _ time.Time) ([]any, error) {
			m, ok := obj.(*metricsv1beta1.PodMetrics)
			if !ok {
				return nil, errKind(obj)
			}
			sum := corev1.ResourceList{}
			for _, c := range m.Containers {
				for name, q := range c.Usage {
					total := sum[name]
					total.Add(q)
					sum[name] = total
				}
			}
			return row(m.Name, sum, m.Window.Duration), nil
		}},
	}
	return nodes, pods
}

// columns are metrics-server's table columns for both kinds.
var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the resource"},
	{Name: "cpu", Type: "string", Format: "quantity"},
	{Name: "memory", Type: "string", Format: "quantity"},
	{Name: "Window", Type: "string", Format: "duration"},
}

func row(name string, usage corev1.ResourceList, window time.Duration) []any {
	cpu, mem := usage[corev1.ResourceCPU], usage[corev1.ResourceMemory]
	return []any{name, cpu.String(), mem.String(), window.String()}
}
