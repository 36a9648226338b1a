package podautoscaler

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

func rules(window int32, sel autoscalingv2.ScalingPolicySelect, policies ...autoscalingv2.HPAScalingPolicy) autoscalingv2.HPAScalingRules {
	return autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window, SelectPolicy: &sel, Policies: policies}
}

func pods4(period int32) autoscalingv2.HPAScalingPolicy {
	return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: period}
}

func pct(v, period int32) autoscalingv2.HPAScalingPolicy {
	return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: v, PeriodSeconds: period}
}

func TestStabilize(t *testing.T) {
	up, down := withDefaults(nil)
	tests := []struct {
		name       string
		recs       []recommendation
		current    int32
		desired    int32
		want       int32
		wantReason string
	}{
		{name: "no history scales down at once", current: 5, desired: 2, want: 2, wantReason: "ScaleDownStabilized"},
		{name: "a higher recommendation in the window holds", recs: []recommendation{{4, t0.Add(-time.Minute)}}, current: 5, desired: 2,
			want: 4, wantReason: "ScaleDownStabilized"},
		{name: "outside the 300 s window it no longer holds", recs: []recommendation{{4, t0.Add(-301 * time.Second)}}, current: 5, desired: 2,
			want: 2, wantReason: "ScaleDownStabilized"},
		{name: "scale up is not stabilized by default", recs: []recommendation{{1, t0.Add(-time.Second)}}, current: 2, desired: 6,
			want: 6, wantReason: "ScaleUpStabilized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &history{recs: tt.recs}
			got, reason, _ := stabilize(h, limits{current: tt.current, desired: tt.desired, min: 1, max: 10, up: up, down: down}, t0)
			if got != tt.want || reason != tt.wantReason {
				t.Errorf("stabilize(%d -> %d) = %d %s; want %d %s", tt.current, tt.desired, got, reason, tt.want, tt.wantReason)
			}
		})
	}
}

func TestLimitRate(t *testing.T) {
	defUp, defDown := withDefaults(nil)
	tests := []struct {
		name       string
		h          history
		l          limits
		want       int32
		wantReason string
	}{
		{name: "within range", l: limits{current: 2, desired: 4, min: 1, max: 10, up: defUp, down: defDown}, want: 4, wantReason: "DesiredWithinRange"},
		{name: "max replicas", l: limits{current: 8, desired: 20, min: 1, max: 10, up: defUp, down: defDown}, want: 10, wantReason: "TooManyReplicas"},
		{name: "min replicas", l: limits{current: 3, desired: 0, min: 2, max: 10, up: defUp, down: defDown}, want: 2, wantReason: "TooFewReplicas"},
		{name: "default up: max of 4 pods and 100%", l: limits{current: 2, desired: 20, min: 1, max: 50, up: defUp, down: defDown},
			want: 6, wantReason: "ScaleUpLimit"},
		{name: "default up: 100% wins for large counts", l: limits{current: 10, desired: 40, min: 1, max: 50, up: defUp, down: defDown},
			want: 20, wantReason: "ScaleUpLimit"},
		{name: "selectPolicy Min picks the smaller", l: limits{current: 10, desired: 40, min: 1, max: 50,
			up: rules(0, autoscalingv2.MinChangePolicySelect, pods4(15), pct(100, 15)), down: defDown}, want: 14, wantReason: "ScaleUpLimit"},
		{name: "Disabled never scales up", l: limits{current: 3, desired: 9, min: 1, max: 50,
			up: rules(0, autoscalingv2.DisabledPolicySelect, pods4(15)), down: defDown}, want: 3, wantReason: "ScaleUpLimit"},
		{name: "recent scale-up uses the period's budget", h: history{ups: []scaleEvent{{4, t0.Add(-10 * time.Second)}}},
			l:    limits{current: 6, desired: 20, min: 1, max: 50, up: rules(0, autoscalingv2.MaxChangePolicySelect, pods4(15)), down: defDown},
			want: 6, wantReason: "ScaleUpLimit"},
		{name: "the period has passed", h: history{ups: []scaleEvent{{4, t0.Add(-20 * time.Second)}}},
			l:    limits{current: 6, desired: 20, min: 1, max: 50, up: rules(0, autoscalingv2.MaxChangePolicySelect, pods4(15)), down: defDown},
			want: 10, wantReason: "ScaleUpLimit"},
		{name: "scale down 50% per minute", l: limits{current: 10, desired: 1, min: 1, max: 50, up: defUp,
			down: rules(0, autoscalingv2.MaxChangePolicySelect, pct(50, 60))}, want: 5, wantReason: "ScaleDownLimit"},
		{name: "scale down Disabled", l: limits{current: 10, desired: 1, min: 1, max: 50, up: defUp,
			down: rules(0, autoscalingv2.DisabledPolicySelect, pct(50, 60))}, want: 10, wantReason: "ScaleDownLimit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason, _ := limitRate(&tt.h, tt.l, t0)
			if got != tt.want || reason != tt.wantReason {
				t.Errorf("limitRate(%d -> %d) = %d %s; want %d %s", tt.l.current, tt.l.desired, got, reason, tt.want, tt.wantReason)
			}
		})
	}
}
