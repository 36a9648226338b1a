package admission

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// prettyPrint is upstream's quota rendering: sorted name=value pairs.
func prettyPrint(l corev1.ResourceList) string {
	names := sortedNames(l)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q := l[name]
		parts = append(parts, string(name)+"="+q.String())
	}
	return strings.Join(parts, ",")
}
