package podautoscaler

import (
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// recommendation is one unstabilized replica count and when it was made.
type recommendation struct {
	replicas int32
	at       time.Time
}

// scaleEvent is one change of the target's replicas the autoscaler made.
type scaleEvent struct {
	change int32
	at     time.Time
}

// history is what one HPA's windows need: recent recommendations and the
// scale-ups and scale-downs it made.
type history struct {
	recs       []recommendation
	ups, downs []scaleEvent
}

// limits is the input of the behaviour decisions.
type limits struct {
	current, desired, min, max int32
	up, down                   autoscalingv2.HPAScalingRules
}

// stabilize bounds desired by the recommendations inside each window: a
// scale-up goes no higher than the lowest recent recommendation, a
// scale-down no lower than the highest. It records desired in h and
// returns the stabilized count with upstream's reason and message.
func stabilize(h *history, l limits, now time.Time) (int32, string, string) {
	upCutoff := now.Add(-time.Duration(*l.up.StabilizationWindowSeconds) * time.Second)
	downCutoff := now.Add(-time.Duration(*l.down.StabilizationWindowSeconds) * time.Second)
	upRec, downRec := l.desired, l.desired
	old := -1
	for i, r := range h.recs {
		if r.at.After(upCutoff) {
			upRec = min(upRec, r.replicas)
		}
		if r.at.After(downCutoff) {
			downRec = max(downRec, r.replicas)
		}
		if r.at.Before(upCutoff) && r.at.Before(downCutoff) {
			old = i
		}
	}
	rec := max(l.current, upRec)
	rec = min(rec, downRec)
	if old >= 0 {
		h.recs[old] = recommendation{l.desired, now}
	} else {
		h.recs = append(h.recs, recommendation{l.desired, now})
	}
	if l.desired >= l.current {
		return rec, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
	}
	return rec, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
}

// changeInPeriod sums the changes of events within the last period.
func changeInPeriod(events []scaleEvent, periodSeconds int32, now time.Time) int32 {
	cutoff := now.Add(-time.Duration(periodSeconds) * time.Second)
	var n int32
	for _, e := range events {
		if e.at.After(cutoff) {
			n += e.change
		}
	}
	return n
}

// scaleUpLimit is the most replicas the policies allow now.
func scaleUpLimit(current int32, h *history, rules autoscalingv2.HPAScalingRules, now time.Time) int32 {
	sel := selectPolicy(rules)
	if sel == autoscalingv2.DisabledPolicySelect {
		return current
	}
	result := int32(math.MinInt32)
	pick := func(a, b int32) int32 { return max(a, b) }
	if sel == autoscalingv2.MinChangePolicySelect {
		result, pick = math.MaxInt32, func(a, b int32) int32 { return min(a, b) }
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(h.ups, p.PeriodSeconds, now) + changeInPeriod(h.downs, p.PeriodSeconds, now)
		var proposed int32
		if p.Type == autoscalingv2.PodsScalingPolicy {
			proposed = start + p.Value
		} else {
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

// scaleDownLimit is the fewest replicas the policies allow now.
func scaleDownLimit(current int32, h *history, rules autoscalingv2.HPAScalingRules, now time.Time) int32 {
	sel := selectPolicy(rules)
	if sel == autoscalingv2.DisabledPolicySelect {
		return current
	}
	result := int32(math.MaxInt32)
	pick := func(a, b int32) int32 { return min(a, b) }
	if sel == autoscalingv2.MinChangePolicySelect {
		result, pick = math.MinInt32, func(a, b int32) int32 { return max(a, b) }
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(h.ups, p.PeriodSeconds, now) + changeInPeriod(h.downs, p.PeriodSeconds, now)
		var proposed int32
		if p.Type == autoscalingv2.PodsScalingPolicy {
			proposed = start - p.Value
		} else {
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

func selectPolicy(r autoscalingv2.HPAScalingRules) autoscalingv2.ScalingPolicySelect {
	if r.SelectPolicy == nil {
		return autoscalingv2.MaxChangePolicySelect
	}
	return *r.SelectPolicy
}

// limitRate bounds a stabilized count by the policies and min/max
// replicas, with upstream's ScalingLimited reason and message.
func limitRate(h *history, l limits, now time.Time) (int32, string, string) {
	switch {
	case l.desired > l.current:
		limit := max(scaleUpLimit(l.current, h, l.up, now), l.current)
		allowed, reason, msg := l.max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if allowed > limit {
			allowed, reason, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if l.desired > allowed {
			return allowed, reason, msg
		}
	case l.desired < l.current:
		limit := min(scaleDownLimit(l.current, h, l.down, now), l.current)
		allowed, reason, msg := l.min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if allowed < limit {
			allowed, reason, msg = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if l.desired < allowed {
			return allowed, reason, msg
		}
	}
	return l.desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

// record notes a rescale from current to next, dropping events older than
// the longest policy period.
func (h *history) record(current, next int32, now time.Time, up, down autoscalingv2.HPAScalingRules) {
	keep := func(events []scaleEvent, rules autoscalingv2.HPAScalingRules) []scaleEvent {
		longest := int32(0)
		for _, p := range rules.Policies {
			longest = max(longest, p.PeriodSeconds)
		}
		cutoff := now.Add(-time.Duration(longest) * time.Second)
		out := events[:0]
		for _, e := range events {
			if e.at.After(cutoff) {
				out = append(out, e)
			}
		}
		return out
	}
	h.ups, h.downs = keep(h.ups, up), keep(h.downs, down)
	if next > current {
		h.ups = append(h.ups, scaleEvent{next - current, now})
	} else if next < current {
		h.downs = append(h.downs, scaleEvent{current - next, now})
	}
}

// withDefaults fills the behaviour upstream defaults: scale up at most 4
// pods or 100% per 15 s with no stabilization, scale down at most 100% per
// 15 s after a 300 s window.
func withDefaults(b *autoscalingv2.HorizontalPodAutoscalerBehavior) (up, down autoscalingv2.HPAScalingRules) {
	i32 := func(v int32) *int32 { return &v }
	maxSel := autoscalingv2.MaxChangePolicySelect
	up = autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: i32(0), SelectPolicy: &maxSel, Policies: []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}, {Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}}
	down = autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: i32(300), SelectPolicy: &maxSel, Policies: []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}}
	merge := func(def autoscalingv2.HPAScalingRules, r *autoscalingv2.HPAScalingRules) autoscalingv2.HPAScalingRules {
		if r == nil {
			return def
		}
		out := *r.DeepCopy()
		if out.StabilizationWindowSeconds == nil {
			out.StabilizationWindowSeconds = def.StabilizationWindowSeconds
		}
		if out.SelectPolicy == nil {
			out.SelectPolicy = def.SelectPolicy
		}
		if len(out.Policies) == 0 {
			out.Policies = def.Policies
		}
		return out
	}
	if b == nil {
		return up, down
	}
	return merge(up, b.ScaleUp), merge(down, b.ScaleDown)
}
