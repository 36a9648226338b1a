package podautoscaler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
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

// PodMetrics implements MetricsClient.
func (m *restMetrics) PodMetrics(ctx context.Context, ns string, sel labels.Selector, res corev1.ResourceName) (map[string]PodMetric, error) {
	if _, err := m.disco.ServerResourcesForGroupVersion(metricsGroupVersion); err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", errMetricsNotServed)
	}
	raw, err := m.rest.Get().AbsPath("/apis", metricsGroupVersion, "namespaces", ns, "pods").
		Param("labelSelector", sel.String()).DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	var list podMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, errors.New("no metrics returned from resource metrics API")
	}
	out := map[string]PodMetric{}
	for _, it := range list.Items {
		var sum int64
		missing := false
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

// milliQuantity renders milli-units as a quantity.
func milliQuantity(v int64) *resource.Quantity {
	return resource.NewMilliQuantity(v, resource.DecimalSI)
}
