package bench

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
)

// terminatedWatchesMetric counts, per cached resource, the watches the
// server closed because they fell too far behind (internal/storage's
// backlog): each made its client watch again.
const terminatedWatchesMetric = "apiserver_terminated_watchers_total"

// closedWatches reads the server's /metrics and returns the watches it
// closed as too far behind, per resource, leaving out the resources with
// none.
func closedWatches(ctx context.Context, cs kubernetes.Interface) (map[string]int, error) {
	body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the server's /metrics: %w", err)
	}
	return parseClosedWatches(body)
}

// parseClosedWatches picks the series of terminatedWatchesMetric out of a
// Prometheus text exposition.
func parseClosedWatches(body []byte) (map[string]int, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse the server's /metrics: %w", err)
	}
	out := map[string]int{}
	for _, m := range families[terminatedWatchesMetric].GetMetric() {
		if v := m.GetCounter().GetValue(); v > 0 {
			for _, l := range m.GetLabel() {
				if l.GetName() == "resource" {
					out[l.GetValue()] = int(v)
				}
			}
		}
	}
	return out, nil
}

// formatClosedWatches prints m as "pods 3, deployments.apps 1", or "none".
func formatClosedWatches(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
