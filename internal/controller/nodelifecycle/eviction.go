package nodelifecycle

import (
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// noExecuteTaints returns the NoExecute taints of node.
func noExecuteTaints(node *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// evictionDelay decides how long a pod with tolerations may stay on a
// node with the NoExecute taints: forever is false when some taint is
// not tolerated (delay 0: at once) or when the tolerations used have a
// finite tolerationSeconds (the smallest of the first toleration matching
// each taint, as upstream; zero or negative is at once);
// forever is true when every taint is tolerated without a limit.
func evictionDelay(taints []corev1.Taint, tolerations []corev1.Toleration) (delay time.Duration, forever bool) {
	min := int64(math.MaxInt64)
	limited := false
	for i := range taints {
		used := -1 // upstream uses the first toleration that matches
		for j := range tolerations {
			if tolerations[j].ToleratesTaint(klog.Background(), &taints[i], false) {
				used = j
				break
			}
		}
		if used < 0 {
			return 0, false
		}
		if s := tolerations[used].TolerationSeconds; s != nil {
			limited = true
			if *s < min {
				min = *s
			}
		}
	}
	if !limited {
		return 0, true
	}
	if min <= 0 {
		return 0, false
	}
	return time.Duration(min) * time.Second, false
}
