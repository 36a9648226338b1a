package deployment

import (
	"context"
	"math"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// annotated reads an int32 annotation of rs; ok is false when it is
// absent or malformed.
func annotated(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, err := strconv.ParseInt(rs.Annotations[key], 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(v), true
}

// active returns the ReplicaSets with replicas in their spec.
func active(rss ...*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && specOf(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// scalingEvent reports whether d was resized since its active ReplicaSets
// were last scaled: one of them records another desired-replicas, as
// upstream's isScalingEvent.
func scalingEvent(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) bool {
	for _, rs := range active(rss...) {
		if desired, ok := annotated(rs, desiredReplicasAnnotation); ok && desired != replicasOf(d) {
			return true
		}
	}
	return false
}

// sized is one active ReplicaSet as proportional scaling sees it.
type sized struct {
	name    string
	created metav1.Time
	spec    int32
	// maxReplicas is its max-replicas annotation: the replicas+maxSurge
	// of the Deployment when it was last scaled (ok false when absent).
	maxReplicas int32
	hasMax      bool
}

// proportionalSizes spreads a resize of a Deployment over its active
// ReplicaSets in proportion to their sizes, as upstream does during a
// rollout: allowed = replicas+maxSurge (0 when replicas is 0); each set
// gets round(spec*allowed/maxReplicas)-spec, capped by what is left to
// add (or remove), larger sets first (newer first when scaling up, older
// first when scaling down); the rounding leftover goes to the first set.
// statusReplicas stands in for a missing max-replicas annotation. It
// returns the new spec of each set, in the order given.
func proportionalSizes(replicas, maxSurge, statusReplicas int32, sets []sized) []int32 {
	out := make([]int32, len(sets))
	var total int32
	for i, s := range sets {
		out[i] = s.spec
		total += s.spec
	}
	allowed := int32(0)
	if replicas > 0 {
		allowed = replicas + maxSurge
	}
	toAdd := allowed - total
	if toAdd == 0 || len(sets) == 0 {
		return out
	}
	order := make([]int, len(sets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		sa, sb := sets[a], sets[b]
		if sa.spec != sb.spec {
			return int(sb.spec - sa.spec) // larger first
		}
		older := olderFirst(sa, sb)
		if toAdd > 0 {
			return -older // newer first
		}
		return older
	})
	var added int32
	for _, i := range order {
		p := proportion(sets[i], replicas, allowed, statusReplicas, toAdd, added)
		out[i] += p
		added += p
	}
	first := order[0]
	out[first] = max(out[first]+toAdd-added, 0)
	return out
}

// olderFirst orders two sets by creation time, then name.
func olderFirst(a, b sized) int {
	if !a.created.Equal(&b.created) {
		if a.created.Before(&b.created) {
			return -1
		}
		return 1
	}
	return compareStrings(a.name, b.name)
}

// proportion is the share of one set, as upstream's GetProportion.
func proportion(s sized, replicas, allowed, statusReplicas, toAdd, added int32) int32 {
	if s.spec == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	var fraction int32
	if replicas == 0 {
		fraction = -s.spec
	} else {
		annotatedMax := s.maxReplicas
		if !s.hasMax {
			annotatedMax = statusReplicas
		}
		if annotatedMax <= 0 {
			return 0
		}
		fraction = int32(math.Round(float64(s.spec)*float64(allowed)/float64(annotatedMax))) - s.spec
	}
	left := toAdd - added
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}

// saturated reports whether rs runs all of d's replicas, as upstream's
// IsSaturated.
func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := annotated(rs, desiredReplicasAnnotation)
	return ok && specOf(rs) == replicasOf(d) && desired == replicasOf(d) && rs.Status.AvailableReplicas == replicasOf(d)
}

// resize brings the ReplicaSets to d's size after a scaling event (or
// while d is paused), as upstream's scale: a lone active ReplicaSet (or,
// with none, the newest) takes all replicas; beside a saturated new one
// the old ones go to zero; otherwise a RollingUpdate resize is spread
// proportionally. It reports whether it scaled anything.
func (r *Reconciler) resize(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet, surge int32) (bool, error) {
	if rs := activeOrLatest(newRS, olds); rs != nil {
		if specOf(rs) == replicasOf(d) && !annotationsStale(d, rs, surge) {
			return false, nil
		}
		return true, r.scale(ctx, d, rs, replicasOf(d), surge)
	}
	if saturated(d, newRS) {
		scaled := false
		for _, o := range active(olds...) {
			if err := r.scale(ctx, d, o, 0, surge); err != nil {
				return scaled, err
			}
			scaled = true
		}
		return scaled, nil
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return false, nil
	}
	all := active(append(slices.Clone(olds), newRS)...)
	sets := make([]sized, len(all))
	for i, rs := range all {
		m, ok := annotated(rs, maxReplicasAnnotation)
		sets[i] = sized{name: rs.Name, created: rs.CreationTimestamp, spec: specOf(rs), maxReplicas: m, hasMax: ok}
	}
	sizes := proportionalSizes(replicasOf(d), surge, d.Status.Replicas, sets)
	scaled := false
	for i, rs := range all {
		if sizes[i] == specOf(rs) && !annotationsStale(d, rs, surge) {
			continue
		}
		if err := r.scale(ctx, d, rs, sizes[i], surge); err != nil {
			return scaled, err
		}
		scaled = true
	}
	return scaled, nil
}

// activeOrLatest is the only active ReplicaSet, or the newest one when
// none is active; nil when several are active.
func activeOrLatest(newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	all := active(append(slices.Clone(olds), newRS)...)
	switch len(all) {
	case 0:
		if newRS != nil {
			return newRS
		}
		if len(olds) > 0 {
			return olds[len(olds)-1] // olds are oldest first
		}
		return nil
	case 1:
		return all[0]
	}
	return nil
}

// annotationsStale reports whether rs records another size of d than the
// current one.
func annotationsStale(d *appsv1.Deployment, rs *appsv1.ReplicaSet, surge int32) bool {
	desired, ok1 := annotated(rs, desiredReplicasAnnotation)
	maxR, ok2 := annotated(rs, maxReplicasAnnotation)
	return !ok1 || !ok2 || desired != replicasOf(d) || maxR != replicasOf(d)+surge
}

// scale sets the replicas of rs to n and records d's size in its
// annotations; a change of size is announced with upstream's
// ScalingReplicaSet event.
func (r *Reconciler) scale(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, n, surge int32) error {
	from := specOf(rs)
	if from == n && !annotationsStale(d, rs, surge) {
		return nil
	}
	c := rs.DeepCopy()
	c.Spec.Replicas = &n
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[desiredReplicasAnnotation] = strconv.Itoa(int(replicasOf(d)))
	c.Annotations[maxReplicasAnnotation] = strconv.Itoa(int(replicasOf(d) + surge))
	if _, err := r.client.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{}); err != nil {
		return err
	}
	if from != n {
		op := "up"
		if n < from {
			op = "down"
		}
		r.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s to %d from %d", op, rs.Name, n, from)
	}
	return nil
}
