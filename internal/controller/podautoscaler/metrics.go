package podautoscaler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// MetricsClient reads pod resource usage. It is what the autoscaler needs
// of the resource metrics API; tests supply their own.
type MetricsClient interface {
	// PodMetrics returns the usage of res by the pods of ns that sel
	// matches, by pod name.
	PodMetrics(ctx context.Context, ns string, sel labels.Selector, res corev1.ResourceName) (map[string]PodMetric, error)
}

// metricsGroupVersion is the resource metrics API.
const metricsGroupVersion = "metrics.k8s.io/v1beta1"

// errMetricsNotServed is what upstream reports when no APIService serves
// the resource metrics API.
var errMetricsNotServed = errors.New("the server could not find the requested resource (get pods.metrics.k8s.io)")

// restMetrics reads metrics.k8s.io/v1beta1 PodMetrics when discovery
// shows the API served.
type restMetrics struct {
	disco discovery.DiscoveryInterface
	rest  rest.Interface
}

var _ MetricsClient = (*restMetrics)(nil)

// podMetricsList is the part of metrics.k8s.io/v1beta1 PodMetricsList the
// autoscaler reads.
type podMetricsList struct {
	Items []struct {
		Metadata   metav1.ObjectMeta `json:"metadata"`
		Timestamp  metav1.Time       `json:"timestamp"`
		Window     metav1.Duration   `json:"window"`
		Containers []struct {
			Name  string              `json:"name"`
			Usage corev1.ResourceList `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// newRESTMetrics reads the resource metrics API through client.
func newRESTMetrics(client kubernetes.Interface) *restMetrics {
	return &restMetrics{disco: client.Discovery(), rest: client.CoreV1().RESTClient()}
}

// PodMetrics implements MetricsClient. It asks for JSON whatever content
// type the client prefers, and sums each pod's containers as upstream's
// resource metrics client: a pod with no containers, or a container
// without res, has no metric.
func (m *restMetrics) PodMetrics(ctx context.Context, ns string, sel labels.Selector, res corev1.ResourceName) (map[string]PodMetric, error) {
	if err := m.served(); err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	req := m.rest.Get().AbsPath("/apis", metricsGroupVersion, "namespaces", ns, "pods").SetHeader("Accept", "application/json")
	if s := sel.String(); s != "" {
		req = req.Param("labelSelector", s)
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	var list podMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: decode PodMetricsList: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, errors.New("no metrics returned from resource metrics API")
	}
	out := map[string]PodMetric{}
	for _, it := range list.Items {
		var sum int64
		missing := len(it.Containers) == 0
		for _, c := range it.Containers {
			q, ok := c.Usage[res]
			if !ok {
				missing = true
				break
			}
			sum += q.MilliValue()
		}
		if !missing {
			out[it.Metadata.Name] = PodMetric{Timestamp: it.Timestamp.Time, Window: it.Window.Duration, Value: sum}
		}
	}
	return out, nil
}

// served checks through discovery that metrics.k8s.io/v1beta1 serves
// pods: a group version or resource discovery does not list is
// errMetricsNotServed; other discovery failures are returned as they are.
func (m *restMetrics) served() error {
	list, err := m.disco.ServerResourcesForGroupVersion(metricsGroupVersion)
	if apierrors.IsNotFound(err) {
		return errMetricsNotServed
	}
	if err != nil {
		return fmt.Errorf("discover %s: %w", metricsGroupVersion, err)
	}
	for _, r := range list.APIResources {
		if r.Name == "pods" {
			return nil
		}
	}
	return errMetricsNotServed
}

// milliQuantity renders milli-units as a quantity.
func milliQuantity(v int64) *resource.Quantity {
	return resource.NewMilliQuantity(v, resource.DecimalSI)
}
