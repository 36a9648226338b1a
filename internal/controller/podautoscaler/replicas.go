package podautoscaler

import (
	"errors"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Tolerance is the usage ratio band around 1.0 within which the
// autoscaler does not scale, as upstream's default.
const Tolerance = 0.1

// cpuInitializationPeriod is how long after start a pod's cpu sample may
// be unreliable, as upstream.
const cpuInitializationPeriod = 5 * time.Minute

// PodMetric is one pod's usage of one resource, in milli-units.
type PodMetric struct {
	Timestamp time.Time
	Window    time.Duration
	Value     int64
}

// target is what a resource metric aims at: an average utilization in
// percent of the request, or an average value in milli-units.
type target struct {
	utilization  *int32
	averageMilli int64
}

// estimate is the outcome of one metric: the replica count it proposes and
// the current average it saw.
type estimate struct {
	replicas     int32
	utilization  int32 // percent of request, when the target is a utilization
	averageMilli int64 // average usage per pod
}

// podGroups sorts the pods of a target for one resource: ignored (being
// deleted or failed), unready (for cpu: not yet ready, or started too
// recently for its sample to count) and missing (no metric).
type podGroups struct {
	ready            int
	unready, missing map[string]bool
	ignored          map[string]bool
}

func groupPods(pods []*corev1.Pod, metrics map[string]PodMetric, res corev1.ResourceName, now time.Time) podGroups {
	g := podGroups{unready: map[string]bool{}, missing: map[string]bool{}, ignored: map[string]bool{}}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed {
			g.ignored[p.Name] = true
			continue
		}
		if p.Status.Phase == corev1.PodPending {
			g.unready[p.Name] = true
			continue
		}
		m, ok := metrics[p.Name]
		if !ok {
			g.missing[p.Name] = true
			continue
		}
		if res == corev1.ResourceCPU && cpuUnready(p, m, now) {
			g.unready[p.Name] = true
			continue
		}
		g.ready++
	}
	return g
}

// cpuUnready is upstream's rule: within the initialization period a pod
// counts as unready while it is not Ready or its sample predates its
// readiness; afterwards only if it never became Ready.
func cpuUnready(p *corev1.Pod, m PodMetric, now time.Time) bool {
	var ready *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			ready = &p.Status.Conditions[i]
		}
	}
	if ready == nil || p.Status.StartTime == nil {
		return true
	}
	if p.Status.StartTime.Add(cpuInitializationPeriod).After(now) {
		return ready.Status == corev1.ConditionFalse || m.Timestamp.Before(ready.LastTransitionTime.Add(m.Window))
	}
	return ready.Status == corev1.ConditionFalse && p.Status.StartTime.Add(2*time.Minute).After(ready.LastTransitionTime.Time)
}

// podRequest sums the containers' requests of res, in milli-units.
func podRequest(p *corev1.Pod, res corev1.ResourceName) (int64, error) {
	var sum int64
	for _, c := range p.Spec.Containers {
		q, ok := c.Resources.Requests[res]
		if !ok {
			return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", res, c.Name, p.Name)
		}
		sum += q.MilliValue()
	}
	return sum, nil
}

// ratio is the usage ratio of metrics against t, with the utilization and
// average it saw.
func ratio(metrics map[string]PodMetric, requests map[string]int64, t target) (float64, int32, int64, error) {
	var used, requested int64
	n := 0
	for name, m := range metrics {
		used += m.Value
		n++
		if t.utilization != nil {
			req, ok := requests[name]
			if !ok {
				continue
			}
			requested += req
		}
	}
	if n == 0 {
		return 0, 0, 0, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	avg := used / int64(n)
	if t.utilization == nil {
		return float64(avg) / float64(t.averageMilli), 0, avg, nil
	}
	if requested == 0 {
		return 0, 0, 0, errors.New("no metrics returned matched known pods")
	}
	util := int32(used * 100 / requested)
	return float64(util) / float64(*t.utilization), util, avg, nil
}

// replicasFor is upstream's replica calculation for one resource metric:
// the usage ratio of the ready pods, within Tolerance of 1.0 keeps
// current; with missing or unready pods it is recomputed assuming missing
// pods use their request (scale-down) or nothing (scale-up) and unready
// pods nothing, and the direction must survive that assumption.
func replicasFor(current int32, pods []*corev1.Pod, metrics map[string]PodMetric, res corev1.ResourceName, t target, now time.Time) (estimate, error) {
	if len(pods) == 0 {
		return estimate{}, errors.New("no pods returned by selector while calculating replica count")
	}
	g := groupPods(pods, metrics, res, now)
	kept := map[string]PodMetric{}
	for name, m := range metrics {
		if !g.ignored[name] && !g.unready[name] {
			kept[name] = m
		}
	}
	requests := map[string]int64{}
	if t.utilization != nil {
		for _, p := range pods {
			req, err := podRequest(p, res)
			if err != nil {
				return estimate{}, err
			}
			requests[p.Name] = req
		}
	}
	usageRatio, util, avg, err := ratio(kept, requests, t)
	if err != nil {
		return estimate{}, err
	}
	out := estimate{replicas: current, utilization: util, averageMilli: avg}
	scaleUpWithUnready := len(g.unready) > 0 && usageRatio > 1.0
	if !scaleUpWithUnready && len(g.missing) == 0 {
		if math.Abs(1.0-usageRatio) > Tolerance {
			out.replicas = int32(math.Ceil(usageRatio * float64(g.ready)))
		}
		return out, nil
	}
	for name := range g.missing {
		switch {
		case usageRatio < 1.0 && t.utilization != nil:
			kept[name] = PodMetric{Value: requests[name] * int64(max(100, *t.utilization)) / 100}
		case usageRatio < 1.0:
			kept[name] = PodMetric{Value: t.averageMilli}
		default:
			kept[name] = PodMetric{Value: 0}
		}
	}
	if scaleUpWithUnready {
		for name := range g.unready {
			kept[name] = PodMetric{Value: 0}
		}
	}
	newRatio, _, _, err := ratio(kept, requests, t)
	if err != nil {
		return estimate{}, err
	}
	if math.Abs(1.0-newRatio) <= Tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0) {
		return out, nil
	}
	n := int32(math.Ceil(newRatio * float64(len(kept))))
	if (newRatio < 1.0 && n > current) || (newRatio > 1.0 && n < current) {
		return out, nil
	}
	out.replicas = n
	return out, nil
}
