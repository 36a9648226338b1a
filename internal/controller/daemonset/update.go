package daemonset

import (
	"slices"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// templateGenerationLabel is upstream's pod-template-generation.
const templateGenerationLabel = "pod-template-generation"

// isUpdated reports whether a pod runs the DaemonSet's current template:
// its controller-revision-hash is hash, or its pod-template-generation is
// generation, as upstream.
func isUpdated(p *corev1.Pod, hash string, generation int64) bool {
	return (hash != "" && p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash) ||
		p.Labels[templateGenerationLabel] == strconv.FormatInt(generation, 10)
}

// isAvailable reports whether p has been Ready for minReady at now.
func isAvailable(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue && (minReady == 0 || !c.LastTransitionTime.Add(minReady).After(now))
		}
	}
	return false
}

// splitPods finds the one updated and the one old live pod on a node; ok
// is false when there are more (the manage step cleans those up).
func splitPods(pods []*corev1.Pod, hash string, generation int64) (updated, old *corev1.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if isUpdated(p, hash, generation) {
			if updated != nil {
				return nil, nil, false
			}
			updated = p
		} else {
			if old != nil {
				return nil, nil, false
			}
			old = p
		}
	}
	return updated, old, true
}

// rollInput is what a rolling-update step decides from.
type rollInput struct {
	// nodes maps a node name to the daemon pods targeting it.
	nodes map[string][]*corev1.Pod
	// runs reports whether a node should run a daemon pod.
	runs                     func(node string) bool
	hash                     string
	generation               int64
	maxSurge, maxUnavailable int
	minReady                 time.Duration
	now                      time.Time
}

// roll decides one step of a RollingUpdate as upstream: the old pods to
// delete and the nodes to start a new pod on (surge only). Nodes are
// visited in name order.
func roll(in rollInput) (deletePods []*corev1.Pod, createOn []string) {
	names := make([]string, 0, len(in.nodes))
	for n := range in.nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	if in.maxSurge == 0 {
		return rollUnavailable(in, names), nil
	}
	return rollSurge(in, names)
}

// rollUnavailable deletes old pods while at most maxUnavailable nodes
// lack an available pod; unavailable old pods are always replaced.
func rollUnavailable(in rollInput, names []string) []*corev1.Pod {
	unavailable := 0
	var always, candidates []*corev1.Pod
	for _, n := range names {
		updated, old, ok := splitPods(in.nodes[n], in.hash, in.generation)
		switch {
		case !ok, updated == nil && old == nil, updated != nil && old != nil:
			unavailable++
		case updated != nil:
			if !isAvailable(updated, in.minReady, in.now) {
				unavailable++
			}
		case !isAvailable(old, in.minReady, in.now):
			always = append(always, old)
		case unavailable >= in.maxUnavailable:
		default:
			candidates = append(candidates, old)
		}
	}
	budget := min(max(in.maxUnavailable-unavailable, 0), len(candidates))
	return append(always, candidates[:budget]...)
}

// rollSurge starts new pods beside old ones on at most maxSurge nodes at
// once and deletes an old pod once its replacement is available; a node
// whose old pod is unavailable gets its new pod at once.
func rollSurge(in rollInput, names []string) ([]*corev1.Pod, []string) {
	surge := 0
	var deletePods []*corev1.Pod
	var always, candidates []string
	for _, n := range names {
		updated, old, ok := splitPods(in.nodes[n], in.hash, in.generation)
		switch {
		case !ok:
			surge++
		case old == nil:
		case updated == nil && !isAvailable(old, in.minReady, in.now):
			if in.runs != nil && !in.runs(n) {
				deletePods = append(deletePods, old)
				continue
			}
			always = append(always, n)
		case updated == nil && surge >= in.maxSurge:
		case updated == nil:
			candidates = append(candidates, n)
		case !isAvailable(updated, in.minReady, in.now):
			surge++
		default:
			deletePods = append(deletePods, old)
		}
	}
	budget := min(max(in.maxSurge-surge, 0), len(candidates))
	return deletePods, append(always, candidates[:budget]...)
}

// rollLimits scales maxSurge and maxUnavailable against the number of
// nodes that should run a pod, rounding up as upstream; when both are 0,
// maxUnavailable is 1.
func rollLimits(ru *appsv1.RollingUpdateDaemonSet, desired int) (surge, unavailable int) {
	if ru == nil {
		return 0, 1
	}
	scale := func(v *intstr.IntOrString) int {
		if v == nil {
			return 0
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(v, desired, true)
		if err != nil {
			return 0
		}
		return n
	}
	surge, unavailable = scale(ru.MaxSurge), scale(ru.MaxUnavailable)
	if ru.MaxUnavailable == nil && ru.MaxSurge == nil {
		unavailable = 1
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// surplus returns the pods on a node that should keep running beyond the
// one (or, with surge, the oldest updated and oldest old) to keep.
func surplus(pods []*corev1.Pod, surge bool, hash string, generation int64) []*corev1.Pod {
	if len(pods) <= 1 {
		return nil
	}
	sorted := slices.Clone(pods)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].CreationTimestamp.Before(&sorted[j].CreationTimestamp) ||
			sorted[i].CreationTimestamp.Equal(&sorted[j].CreationTimestamp) && sorted[i].Name < sorted[j].Name
	})
	if !surge {
		return sorted[1:]
	}
	var out []*corev1.Pod
	var keptNew, keptOld bool
	for _, p := range sorted {
		upd := isUpdated(p, hash, generation)
		switch {
		case upd && !keptNew:
			keptNew = true
		case !upd && !keptOld:
			keptOld = true
		default:
			out = append(out, p)
		}
	}
	return out
}
