package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

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
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	prefix := terminatedWatchesMetric + `{resource="`
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		resource, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			return nil, fmt.Errorf("malformed %s line %q", terminatedWatchesMetric, line)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return nil, fmt.Errorf("malformed %s line %q: %w", terminatedWatchesMetric, line, err)
		}
		if v > 0 {
			out[resource] = int(v)
		}
	}
	return out, sc.Err()
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
