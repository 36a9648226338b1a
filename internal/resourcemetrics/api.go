package resourcemetrics

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// GroupVersion is the API the pipeline serves.
var GroupVersion = metricsv1beta1.SchemeGroupVersion

// NodeSource serves NodeMetrics from a Store and the node lister. It
// implements the API server's Computed.
type NodeSource struct {
	Store *Store
	Nodes corelisters.NodeLister
	Now   func() time.Time
}

// Get returns a node's metrics: NotFound for an unknown node or one
// without two samples yet, as metrics-server answers.
func (s NodeSource) Get(_ context.Context, _, name string) (runtime.Object, error) {
	n, err := s.Nodes.Get(name)
	if err != nil {
		return nil, err
	}
	m, ok := s.metrics(n)
	if !ok {
		return nil, apierrors.NewNotFound(GroupVersion.WithResource("nodes").GroupResource(), name)
	}
	return m, nil
}

// List returns the metrics of the nodes matching the selectors that have
// them, by name.
func (s NodeSource) List(_ context.Context, _ string, label labels.Selector, field fields.Selector) ([]runtime.Object, error) {
	nodes, err := s.Nodes.List(label)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	out := make([]runtime.Object, 0, len(nodes))
	for _, n := range nodes {
		if !matchesMeta(field, &n.ObjectMeta) {
			continue
		}
		if m, ok := s.metrics(n); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s NodeSource) metrics(n *corev1.Node) (*metricsv1beta1.NodeMetrics, bool) {
	u, ok := s.Store.Node(n.Name)
	if !ok {
		return nil, false
	}
	return &metricsv1beta1.NodeMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: n.Labels, CreationTimestamp: metav1.NewTime(s.Now())},
		Timestamp:  metav1.NewTime(u.Time),
		Window:     metav1.Duration{Duration: u.Window},
		Usage:      usageList(u),
	}, true
}

// PodSource serves PodMetrics from a Store and the pod lister. It
// implements the API server's Computed.
type PodSource struct {
	Store *Store
	Pods  corelisters.PodLister
	Now   func() time.Time
}

// Get returns a pod's metrics: NotFound for an unknown pod, one not
// Running, or one without two samples of each container yet.
func (s PodSource) Get(_ context.Context, namespace, name string) (runtime.Object, error) {
	p, err := s.Pods.Pods(namespace).Get(name)
	if err != nil {
		return nil, err
	}
	m, ok := s.metrics(p)
	if !ok {
		return nil, apierrors.NewNotFound(GroupVersion.WithResource("pods").GroupResource(), namespace+"/"+name)
	}
	return m, nil
}

// List returns the metrics of the Running pods matching the selectors
// that have them, by namespace and name.
func (s PodSource) List(_ context.Context, namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, error) {
	pods, err := s.Pods.Pods(namespace).List(label)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	out := make([]runtime.Object, 0, len(pods))
	for _, p := range pods {
		if !matchesMeta(field, &p.ObjectMeta) {
			continue
		}
		if m, ok := s.metrics(p); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s PodSource) metrics(p *corev1.Pod) (*metricsv1beta1.PodMetrics, bool) {
	if p.Status.Phase != corev1.PodRunning {
		return nil, false
	}
	cs, ok := s.Store.Pod(types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
	if !ok {
		return nil, false
	}
	m := &metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels, CreationTimestamp: metav1.NewTime(s.Now())},
		Containers: make([]metricsv1beta1.ContainerMetrics, 0, len(cs)),
	}
	for _, c := range cs {
		if c.Time.After(m.Timestamp.Time) {
			m.Timestamp, m.Window = metav1.NewTime(c.Time), metav1.Duration{Duration: c.Window}
		}
		m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: usageList(c.Usage)})
	}
	return m, true
}

func usageList(u Usage) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewScaledQuantity(u.NanoCores, resource.Nano),
		corev1.ResourceMemory: *resource.NewQuantity(u.Memory, resource.BinarySI),
	}
}

// matchesMeta judges a field selector on metadata.name and
// metadata.namespace, the fields the API server lets through for these
// kinds.
func matchesMeta(field fields.Selector, m *metav1.ObjectMeta) bool {
	if field == nil || field.Empty() {
		return true
	}
	return field.Matches(fields.Set{"metadata.name": m.Name, "metadata.namespace": m.Namespace})
}

// AddToScheme registers the metrics.k8s.io/v1beta1 kinds, for encoding.
func AddToScheme(s *runtime.Scheme) error { return metricsv1beta1.AddToScheme(s) }

// errKind reports an object of an unexpected type to a printer.
func errKind(obj runtime.Object) error {
	return fmt.Errorf("resource metrics printer: unexpected %T", obj)
}
