package nodelifecycle

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func secs(n int64) *int64 { return &n }

func TestEvictionDelay(t *testing.T) {
	unreachable := corev1.Taint{Key: taintUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReady := corev1.Taint{Key: taintNotReady, Effect: corev1.TaintEffectNoExecute}
	custom := corev1.Taint{Key: "maintenance", Value: "yes", Effect: corev1.TaintEffectNoExecute}
	tol := func(key string, s *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}
	}
	tests := []struct {
		name        string
		taints      []corev1.Taint
		tolerations []corev1.Toleration
		wantDelay   time.Duration
		wantForever bool
	}{
		{name: "no toleration: at once", taints: []corev1.Taint{unreachable}},
		{name: "default toleration seconds (300)", taints: []corev1.Taint{unreachable},
			tolerations: []corev1.Toleration{tol(taintNotReady, secs(300)), tol(taintUnreachable, secs(300))}, wantDelay: 300 * time.Second},
		{name: "short toleration", taints: []corev1.Taint{unreachable},
			tolerations: []corev1.Toleration{tol(taintUnreachable, secs(5))}, wantDelay: 5 * time.Second},
		{name: "forever", taints: []corev1.Taint{unreachable}, tolerations: []corev1.Toleration{tol(taintUnreachable, nil)}, wantForever: true},
		{name: "wildcard toleration forever", taints: []corev1.Taint{unreachable, custom},
			tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, wantForever: true},
		{name: "one taint not tolerated: at once", taints: []corev1.Taint{unreachable, custom},
			tolerations: []corev1.Toleration{tol(taintUnreachable, secs(300))}},
		{name: "smallest of the used tolerations", taints: []corev1.Taint{unreachable, custom},
			tolerations: []corev1.Toleration{tol(taintUnreachable, secs(300)), tol("maintenance", secs(60))}, wantDelay: 60 * time.Second},
		{name: "the first matching toleration is the one used", taints: []corev1.Taint{unreachable},
			tolerations: []corev1.Toleration{tol(taintUnreachable, nil), tol(taintUnreachable, secs(10))}, wantForever: true},
		{name: "zero seconds: at once", taints: []corev1.Taint{notReady}, tolerations: []corev1.Toleration{tol(taintNotReady, secs(0))}},
		{name: "negative seconds: at once", taints: []corev1.Taint{notReady}, tolerations: []corev1.Toleration{tol(taintNotReady, secs(-5))}},
		{name: "NoSchedule toleration does not cover NoExecute", taints: []corev1.Taint{unreachable},
			tolerations: []corev1.Toleration{{Key: taintUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}},
		{name: "value must match with Equal", taints: []corev1.Taint{custom},
			tolerations: []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpEqual, Value: "no", Effect: corev1.TaintEffectNoExecute}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, forever := evictionDelay(tt.taints, tt.tolerations)
			if d != tt.wantDelay || forever != tt.wantForever {
				t.Errorf("evictionDelay = %s, forever %v; want %s, forever %v", d, forever, tt.wantDelay, tt.wantForever)
			}
		})
	}
}
