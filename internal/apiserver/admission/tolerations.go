package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// defaultTolerationSeconds is upstream's default for both tolerations.
const defaultTolerationSeconds = 300

// DefaultTolerationSeconds lets new pods stay 300 s on a node that turned
// not-ready or unreachable, as upstream's plugin: it adds NoExecute
// tolerations for node.kubernetes.io/not-ready and unreachable unless the
// pod already tolerates them.
type DefaultTolerationSeconds struct{}

var _ Mutator = (*DefaultTolerationSeconds)(nil)

// Name is upstream's plugin name.
func (*DefaultTolerationSeconds) Name() string { return "DefaultTolerationSeconds" }

// Mutate adds the missing tolerations.
func (*DefaultTolerationSeconds) Mutate(_ context.Context, a *Attributes) error {
	if !isPodCreate(a) {
		return nil
	}
	pod := a.Object.(*corev1.Pod)
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if tolerates(pod.Spec.Tolerations, key) {
			continue
		}
		seconds := int64(defaultTolerationSeconds)
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds,
		})
		a.Mutated = true
	}
	return nil
}

func tolerates(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}
